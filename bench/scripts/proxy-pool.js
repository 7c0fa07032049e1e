// proxy-pool: HTTP reverse proxy to BENCH_UPSTREAM through muxHTTP, a pool
// of keep-alive upstream connections shared by every client connection of
// the worker (one request at a time on each), answers in order. The layout
// the README and examples/router teach. See proxy.js for the others.
pipy()

.listen(os.env.BENCH_LISTEN || '127.0.0.1:8080')
  .decodeHttpRequest()
  .muxHTTP(os.env.BENCH_UPSTREAM || '127.0.0.1:8081', { maxConnections: 64 })
  .encodeHttpResponse()
