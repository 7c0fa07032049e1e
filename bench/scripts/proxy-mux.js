// proxy-mux: HTTP reverse proxy to BENCH_UPSTREAM where the requests of
// every client connection share one upstream connection per worker (mux),
// pipelined, answered in order. See proxy.js.
pipy({ _target: os.env.BENCH_UPSTREAM || '127.0.0.1:8081' })

.listen(os.env.BENCH_LISTEN || '127.0.0.1:8080')
  .decodeHttpRequest()
  .mux('forward')
  .encodeHttpResponse()

.pipeline('forward')
  .encodeHttpRequest()
  .connect(() => _target)
  .decodeHttpResponse()
