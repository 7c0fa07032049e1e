// http-echo: answers every HTTP request with its own body. The request, head
// and all, goes straight back through the response encoder: the request head
// has no status, so the response is a 200, and it carries the request's
// headers.
//
//   go run ./cmd/sluice examples/http-echo/main.js
//   curl -d 'hello' http://127.0.0.1:8020/
pipy()

.listen(8020)
  .decodeHttpRequest()
  .encodeHttpResponse()
