// hello: answers every HTTP request with a greeting.
//
//   go run ./cmd/sluice examples/hello/main.js
//   curl http://127.0.0.1:8080/
pipy()

.listen(8080)
  .decodeHttpRequest()
  .replaceMessage(
    new Message('Hello, World!\n')
  )
  .encodeHttpResponse()
