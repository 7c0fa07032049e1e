// pipy-proxy-mux: bench/scripts/proxy-mux.js for Pipy 0.x (bench/run's
// "pipy-mux" proxy row): every client's requests go through one shared
// sub-pipeline, one keep-alive connection to BENCH_UPSTREAM, answers in order.
// Pipy 0.x has no muxHTTP pool; this is its sharing layout. It listens on a
// port of every address: BENCH_PORT, default 8080.
pipy()
.listen(os.env.BENCH_PORT || 8080)
  .decodeHttpRequest()
  .mux('forward')
  .encodeHttpResponse()

.pipeline('forward')
  .encodeHttpRequest()
  .connect(os.env.BENCH_UPSTREAM || '127.0.0.1:8081')
  .decodeHttpResponse()
