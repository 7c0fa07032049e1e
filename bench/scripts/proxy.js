// proxy: HTTP reverse proxy to BENCH_UPSTREAM ("host:port"), listening on
// BENCH_LISTEN. Each client connection gets its own keep-alive upstream
// connection, and requests go through it one after another: decode the
// request, encode it again, connect, decode the response, encode it again.
//
// Of the layouts tried (see bench/README.md) this is the fastest that keeps
// latency low: proxy-mux.js sends every client's requests down one shared
// upstream connection (similar requests/s, a worse p99: head-of-line
// blocking), and proxy-demux.js, Pipy's classic "demux" layout, opens an
// upstream connection per request (about 4x slower, and it leaves a socket in
// TIME_WAIT per request).
pipy()

.listen(os.env.BENCH_LISTEN || '127.0.0.1:8080')
  .decodeHttpRequest()
  .encodeHttpRequest()
  .connect(os.env.BENCH_UPSTREAM || '127.0.0.1:8081')
  .decodeHttpResponse()
  .encodeHttpResponse()
