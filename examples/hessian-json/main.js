// hessian-json: converts request bodies between Hessian 2.0 (the
// serialization of Dubbo) and JSON.
//
//   POST /hessian2json  Hessian values → a JSON array of them
//   POST /json2hessian  a JSON array → its values, one after another, in Hessian
//
// A Dubbo body is several Hessian values one after another, so both sides
// are lists of values.
//
//   go run ./cmd/sluice examples/hessian-json/main.js
//   curl -d '["sayHello", 42]' http://127.0.0.1:8023/json2hessian | curl --data-binary @- http://127.0.0.1:8023/hessian2json
pipy({
  _values: null,
})

.listen(8023)
  .decodeHttpRequest()
  .replaceMessage(
    msg => (
      msg.head.path === '/hessian2json' ? (
        _values = Hessian.decode(msg.body),
        new Message(
          { headers: { 'content-type': 'application/json' } },
          JSON.stringify(_values instanceof Array ? _values : _values === undefined ? [] : [_values])
        )
      ) :
      msg.head.path === '/json2hessian' ? (
        _values = JSON.decode(msg.body),
        _values instanceof Array ? new Message(
          { headers: { 'content-type': 'application/x-hessian' } },
          Hessian.encode(_values)
        ) : new Message({ status: 400 }, 'a JSON array expected\n')
      ) :
      new Message({ status: 404 }, 'POST /hessian2json or /json2hessian\n')
    )
  )
  .encodeHttpResponse()
