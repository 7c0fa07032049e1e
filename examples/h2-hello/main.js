// h2-hello: one port for HTTP/1.x and HTTP/2 (h2c with prior knowledge);
// every request is answered with the protocol it came over.
//
//   go run ./cmd/sluice examples/h2-hello/main.js
//   curl --http2-prior-knowledge http://127.0.0.1:8080/
pipy()

.listen(8080)
  .demuxHTTP('hello')

.pipeline('hello')
  .replaceMessage(
    msg => new Message(
      { headers: { 'content-type': 'text/plain' } },
      'Hello over ' + msg.head.protocol + ', ' + msg.head.method + ' ' + msg.head.path + '\n'
    )
  )
