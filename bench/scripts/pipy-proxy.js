// pipy-proxy: bench/scripts/proxy.js for Pipy 0.x (bench/run's "pipy" proxy
// row): each client connection gets its own keep-alive connection to
// BENCH_UPSTREAM ("host:port"). Pipy 0.x listens on a port of every address:
// BENCH_PORT, default 8080.
pipy()
.listen(os.env.BENCH_PORT || 8080)
  .decodeHttpRequest()
  .encodeHttpRequest()
  .connect(os.env.BENCH_UPSTREAM || '127.0.0.1:8081')
  .decodeHttpResponse()
  .encodeHttpResponse()
