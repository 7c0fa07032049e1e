// hello: examples/hello/main.js, listening where bench/run says
// (BENCH_LISTEN, "host:port"; default 127.0.0.1:8080).
pipy()

.listen(os.env.BENCH_LISTEN || '127.0.0.1:8080')
  .decodeHttpRequest()
  .replaceMessage(
    new Message('Hello, World!\n')
  )
  .encodeHttpResponse()
