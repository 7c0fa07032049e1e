// proxy-demux: Pipy's classic reverse-proxy layout: every request goes to
// its own stream of 'forward' (demux), which opens its own upstream
// connection and closes it after the answer. Correct but slow: one TCP
// connection (and one TIME_WAIT socket) per request. bench/run runs it only
// with PROXY_DEMUX=1. See proxy.js.
pipy({ _target: os.env.BENCH_UPSTREAM || '127.0.0.1:8081' })

.listen(os.env.BENCH_LISTEN || '127.0.0.1:8080')
  .decodeHttpRequest()
  .demux('forward')
  .encodeHttpResponse()

.pipeline('forward')
  .encodeHttpRequest()
  .connect(() => _target)
  .decodeHttpResponse()
