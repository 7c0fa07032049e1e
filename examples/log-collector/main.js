// log-collector: an HTTP service that logs every request to a log collector
// defined in this same script.
//
// The service (port 8024) answers each request with "Hello, <path>"; a fork
// of each request becomes a log record (method and path, as JSON) that goes
// through mux into one shared stream per worker, which POSTs each record to
// /log on the collector (COLLECTOR_PORT, 8124 by default) over one
// connection. The collector keeps the records and logs them, answering each
// POST with 201, and lists them as a JSON array on GET /records.
//
//   go run ./cmd/sluice examples/log-collector/main.js
//   curl http://127.0.0.1:8024/hello; curl http://127.0.0.1:8124/records
pipy({
  _collector: '127.0.0.1:' + (os.env.COLLECTOR_PORT || 8124),

  // The collector's records: an object value is shared by all the
  // connections of a worker.
  _records: [],
})

.listen(8024)
  .decodeHttpRequest()
  .fork('log')
  .replaceMessage(
    msg => new Message('Hello, ' + msg.head.path + '\n')
  )
  .encodeHttpResponse()

// A log record per request, into the shared stream.
.pipeline('log')
  .replaceMessage(
    msg => new Message(
      JSON.stringify({ method: msg.head.method, path: msg.head.path })
    )
  )
  .mux('send')

// The shared stream: every record becomes a POST on one connection to the
// collector.
.pipeline('send')
  .encodeHttpRequest({ method: 'POST', path: '/log' })
  .connect(() => _collector)
  .decodeHttpResponse()

// The collector.
.listen(+(os.env.COLLECTOR_PORT || 8124))
  .decodeHttpRequest()
  .replaceMessage(
    msg => (
      msg.head.method === 'POST' && msg.head.path === '/log' ? (
        _records.push(JSON.decode(msg.body)),
        console.log('collected', msg.body.toString()),
        new Message({ status: 201 })
      ) :
      msg.head.path === '/records' ? new Message(
        { headers: { 'content-type': 'application/json' } },
        JSON.stringify(_records)
      ) :
      new Message({ status: 404 })
    )
  )
  .encodeHttpResponse()
