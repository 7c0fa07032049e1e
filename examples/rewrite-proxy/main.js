// rewrite-proxy: an HTTP reverse proxy to UPSTREAM that rewrites headers on
// the way in and on the way out, with the pipelines of another module,
// rewrite.js, started by use() with arguments.
//
// Requests get x-forwarded-for (the client's address: the arguments are
// given by a function, called for each connection) and lose
// x-internal-token; responses get x-proxy and lose server.
//
//   UPSTREAM=127.0.0.1:9001 go run ./cmd/sluice examples/rewrite-proxy/main.js
//   curl -i http://127.0.0.1:8025/
pipy({
  _target: os.env.UPSTREAM || '127.0.0.1:9001',

  // The arguments for rewrite.js: what to set and what to remove, both ways.
  _rules: () => ({
    request: {
      set: { 'x-forwarded-for': __inbound.remoteAddress },
      remove: ['x-internal-token'],
    },
    response: {
      set: { 'x-proxy': 'rewrite-proxy' },
      remove: ['server'],
    },
  }),
})

.listen(8025)
  .decodeHttpRequest()
  .use('rewrite.js', 'request', () => _rules())
  .encodeHttpRequest()
  .connect(() => _target)
  .decodeHttpResponse()
  .use('rewrite.js', 'response', () => _rules())
  .encodeHttpResponse()
