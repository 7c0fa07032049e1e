// metrics: an HTTP reverse proxy that counts the requests it forwards by path
// and response status, and serves the counts at /metrics in Prometheus' text
// format.
//
//   UPSTREAM=127.0.0.1:9001 go run ./cmd/sluice examples/metrics/main.js
//   curl http://127.0.0.1:8004/hello && curl http://127.0.0.1:8004/metrics

pipy({
  _target: os.env.UPSTREAM || '127.0.0.1:9001',

  // An object value is shared by every connection of a worker (sluice runs
  // one worker unless told otherwise): the counters, keyed by path and status.
  _counts: {},

  _path: '', // per request
})

.listen(8004)
  .decodeHttpRequest()
  .demux('request')
  .encodeHttpResponse()

// Each request has its own stream (and context) here.
.pipeline('request')
  .onMessageStart(
    e => _path = e.head.path.split('?')[0]
  )
  .link(
    'metrics', () => _path === '/metrics',
    'forward'
  )

.pipeline('forward')
  .encodeHttpRequest()
  .connect(() => _target)
  .decodeHttpResponse()
  .onMessageStart(
    e => (
      (key =>
        _counts[key] = (_counts[key] || 0) + 1
      )(JSON.stringify([_path, String(e.head.status)]))
    )
  )

.pipeline('metrics')
  .replaceMessage(
    () => new Message(
      {
        status: 200,
        headers: { 'content-type': 'text/plain; version=0.0.4' },
      },
      [
        '# HELP sluice_requests_total Requests forwarded, by path and response status.',
        '# TYPE sluice_requests_total counter',
        ...Object.keys(_counts).sort().map(
          key => (
            ([path, status]) => `sluice_requests_total{path="${label(path)}",status="${status}"} ${_counts[key]}`
          )(JSON.parse(key))
        ),
        '',
      ].join('\n')
    )
  )

// label escapes a Prometheus label value.
function label(s) {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
