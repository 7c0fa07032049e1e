// router: an HTTP reverse proxy that routes each request, by its path, to one
// of several upstream services: /api and everything below it to the API
// service, /web/... and the home page to the web service; anything else gets
// 404. The services' addresses come from the environment, with defaults.
//
//   UPSTREAM_API=127.0.0.1:9001 UPSTREAM_WEB=127.0.0.1:9002 go run ./cmd/sluice examples/router/main.js
//   curl http://127.0.0.1:8002/api/users

pipy({
  _router: new algo.URLRouter({
    '/api/*': os.env.UPSTREAM_API || '127.0.0.1:9001',
    '/web/*': os.env.UPSTREAM_WEB || '127.0.0.1:9002',
    '/': os.env.UPSTREAM_WEB || '127.0.0.1:9002',
  }),

  _target: undefined, // per request: the upstream chosen for it
})

.listen(8002)
  .decodeHttpRequest()
  .demux('route')
  .encodeHttpResponse()

// Each request has its own stream (and context) here.
.pipeline('route')
  .onMessageStart(
    e => (
      _target = _router.find(e.head.headers.host, e.head.path),
      e.head.headers['x-forwarded-for'] = __inbound.remoteAddress
    )
  )
  .link(
    'proxy', () => Boolean(_target),
    'not-found'
  )

.pipeline('proxy')
  .muxHTTP(() => _target) // keep-alive connections pooled per upstream; refused comes out as 503

.pipeline('not-found')
  .replaceMessage(
    new Message({ status: 404 }, 'No route\n')
  )
