// dubbo-bridge: an HTTP front whose requests are sent on as Dubbo calls, to a
// Dubbo service defined in this same script, and whose answers come back as
// HTTP responses.
//
// The front (port 8021) encodes each HTTP request as a Dubbo request whose
// body is the HTTP body, numbering the calls of a connection 1, 2, 3...; the
// service (DUBBO_PORT, 20880 by default) answers each call with "Hello, "
// and the call's body; the front answers HTTP with the Dubbo body, the call
// id in x-dubbo-id and the Dubbo status in x-dubbo-status.
//
//   go run ./cmd/sluice examples/dubbo-bridge/main.js
//   curl -d 'world' http://127.0.0.1:8021/
pipy({
  _dubboPort: os.env.DUBBO_PORT || 20880,
  _callID: 0, // the id of the last call sent or received on a connection
})

.listen(8021)
  .decodeHttpRequest()
  .encodeDubbo(
    () => ({
      id: ++_callID,
      status: 0,
      isRequest: true,
      isTwoWay: true,
      isEvent: false,
    })
  )
  .connect(() => '127.0.0.1:' + _dubboPort)
  .decodeDubbo()
  .replaceMessage(
    msg => new Message(
      {
        status: msg.head.status === 20 ? 200 : 502,
        headers: {
          'content-type': 'text/plain',
          'x-dubbo-id': msg.head.id,
          'x-dubbo-status': '' + msg.head.status,
        },
      },
      msg.body
    )
  )
  .encodeHttpResponse()

// The Dubbo service: status 20 is Dubbo's OK.
.listen(os.env.DUBBO_PORT || 20880)
  .decodeDubbo()
  .onMessageStart(
    e => _callID = e.head.id
  )
  .replaceMessage(
    msg => new Message('Hello, ' + msg.body.toString())
  )
  .encodeDubbo(
    () => ({
      id: _callID,
      status: 20,
      isRequest: false,
      isTwoWay: false,
      isEvent: false,
    })
  )
