// pipy-hello: bench/scripts/hello.js for Pipy 0.x, bench/run's Pipy peer
// (PIPY=/path/to/pipy bench/run). Pipy 0.x listens on a port of every
// address (no host): BENCH_PORT, default 8080.
pipy()
.listen(os.env.BENCH_PORT || 8080)
  .decodeHttpRequest()
  .replaceMessage(new Message('Hello, World!\n'))
  .encodeHttpResponse()
