// hello-ip: answers every HTTP request with a greeting that names the
// client's address, taken from __inbound.
//
//   go run ./cmd/sluice examples/hello-ip/main.js
//   curl http://127.0.0.1:8001/

pipy()

.listen(8001)
  .decodeHttpRequest()
  .replaceMessage(
    () => new Message(
      {
        status: 200,
        headers: { 'content-type': 'text/plain' },
      },
      `Hello, ${__inbound.remoteAddress}:${__inbound.remotePort}!\n`
    )
  )
  .encodeHttpResponse()
