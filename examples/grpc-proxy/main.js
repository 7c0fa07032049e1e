// grpc-proxy: a gRPC proxy in front of one gRPC service. Clients call it
// over HTTP/2 (h2c by prior knowledge, as gRPC's plaintext clients do); each
// call goes on to the service over HTTP/2, calls sharing pooled connections.
// Messages stream both ways as they come (unary, server-, client- and
// bidirectional streaming), and metadata, trailers, grpc-status and error
// details pass unchanged; TLS_CERT and TLS_KEY make the proxy's port TLS
// (h2 by ALPN). The proxy adds x-forwarded-for to each call's metadata, and
// answers the methods listed in GRPC_DENY itself with PERMISSION_DENIED,
// without calling the service.
//
//   UPSTREAM=127.0.0.1:50051 GRPC_DENY=/pkg.Admin/Drop go run ./cmd/sluice examples/grpc-proxy/main.js
//   grpcurl -plaintext 127.0.0.1:8080 list   (with reflection on the service)

pipy({
  _upstream: os.env.UPSTREAM || '127.0.0.1:50051',
  _deny: (os.env.GRPC_DENY || '').split(',').map(s => s.trim()).filter(s => s !== ''),
  _method: '', // per call: its path, /package.Service/Method
})

// With TLS_CERT and TLS_KEY, TLS with h2 chosen by ALPN (gRPC's TLS clients
// insist on it); without, h2c by prior knowledge.
.listen(8080, os.env.TLS_CERT ? {
  tls: {
    cert: os.readFile(os.env.TLS_CERT),
    key: os.readFile(os.env.TLS_KEY),
    alpn: ['h2'],
  },
} : {})
  .demuxHTTP('call') // HTTP/2 and HTTP/1.x on one port: each call its own stream

.pipeline('call')
  .onMessageStart(
    e => (
      _method = e.head.path,
      e.head.headers['x-forwarded-for'] = __inbound.remoteAddress
    )
  )
  .link(
    'deny', () => _deny.includes(_method),
    'forward'
  )

.pipeline('forward')
  // h2c to the service, many calls per connection. No answer timeout: a
  // stream may be quiet for long (a watch), and gRPC calls carry their own
  // deadlines (grpc-timeout), which the service and the client keep.
  .muxHTTP(_upstream, { version: 2, answerTimeout: 0 })

// A gRPC error is an answer with no body whose only HEADERS carry
// grpc-status (Trailers-Only); 7 is PERMISSION_DENIED.
.pipeline('deny')
  .replaceMessage(
    () => new Message({
      status: 200,
      headers: {
        'content-type': 'application/grpc',
        'grpc-status': '7',
        'grpc-message': 'denied by the proxy: ' + _method,
      },
    })
  )
