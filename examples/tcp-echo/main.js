// tcp-echo: sends back whatever a TCP client sends, and logs how many bytes
// each connection echoed when it closes.
//
//   go run ./cmd/sluice examples/tcp-echo/main.js
//   echo hello | nc -q1 127.0.0.1 8000

pipy({
  _bytes: 0, // per connection: bytes echoed so far
})

.listen(8000)
  .replaceData(
    data => (
      _bytes += data.size,
      data
    )
  )
  .onSessionEnd(
    () => console.log(
      'echoed', _bytes, 'bytes to',
      __inbound.remoteAddress + ':' + __inbound.remotePort
    )
  )
