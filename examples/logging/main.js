// logging: an HTTP reverse proxy that logs every request and its response as
// a line of JSON, and sends the lines in batches to a collector over HTTP.
// The log records of all connections go through mux into one shared stream
// per worker, which gathers them and POSTs a batch (newline-delimited JSON)
// every LOG_BATCH_SIZE records, and whatever is waiting every 5 seconds.
//
//   UPSTREAM=127.0.0.1:9001 LOG_URL=http://127.0.0.1:9100/log go run ./cmd/sluice examples/logging/main.js
//   curl http://127.0.0.1:8005/hello

pipy({
  _target: os.env.UPSTREAM || '127.0.0.1:9001',
  _logURL: new URL(os.env.LOG_URL || 'http://127.0.0.1:9100/log'),
  _batchSize: Number(os.env.LOG_BATCH_SIZE) || 10,

  // Records waiting to be sent. An object value is shared by every context
  // of a worker, so this is the worker's one batch.
  _batch: [],

  // Per request.
  _request: null,
  _requestTime: 0,
  _isBatch: false,
})

.listen(8005)
  .decodeHttpRequest()
  .demux('request')
  .encodeHttpResponse()

// Each request has its own stream (and context) here.
.pipeline('request')
  .onMessageStart(
    e => (
      _requestTime = Date.now(),
      _request = {
        method: e.head.method,
        path: e.head.path,
        userAgent: e.head.headers['user-agent'] || '',
        remoteAddress: __inbound.remoteAddress,
      }
    )
  )
  .encodeHttpRequest()
  .connect(() => _target)
  .decodeHttpResponse()
  .fork('log') // the response, on its way back, is logged too

// Turns the response into a log record and hands it to the shared stream.
.pipeline('log')
  .replaceMessage(
    msg => new Message(
      JSON.stringify({
        time: new Date(_requestTime).toISOString(),
        ..._request,
        status: msg.head.status,
        responseSize: msg.body.size,
        duration: Date.now() - _requestTime,
      })
    )
  )
  .mux('log-batch')

// Every 5 seconds, a flush mark goes the same way so that a partial batch
// does not wait for more traffic.
.task('5s')
  .replaceMessage(
    new Message({ flush: true })
  )
  .mux('log-batch')

// The shared stream. mux waits for one answer to every message it sends in,
// so each record is answered: a record that completes a batch (or a flush
// mark that finds records waiting) is replaced by the batch's POST, whose
// response answers it; any other is answered at once.
.pipeline('log-batch')
  .replaceMessage(
    msg => {
      var flush = Boolean(msg.head && msg.head.flush);
      if (!flush) _batch.push(msg.body.toString());
      if (_batch.length === 0 || (!flush && _batch.length < _batchSize)) {
        return new Message();
      }
      var body = _batch.join('\n') + '\n';
      _batch.length = 0;
      return new Message(
        {
          method: 'POST',
          path: _logURL.path,
          headers: {
            'host': _logURL.host,
            'content-type': 'application/x-ndjson',
          },
        },
        body
      );
    }
  )
  .demux('log-answer')

// Each message of the shared stream, in a stream (and context) of its own.
.pipeline('log-answer')
  .onMessageStart(
    e => _isBatch = Boolean(e.head && e.head.method)
  )
  .link(
    'log-send', () => _isBatch,
    'log-ack'
  )

// Sends a batch over a connection of its own, and logs a failure.
.pipeline('log-send')
  .encodeHttpRequest()
  .connect(() => _logURL.hostname + ':' + _logURL.port)
  .decodeHttpResponse()
  .onMessageStart(
    e => e.head.status >= 300 && console.log('log collector answered', e.head.status, e.head.statusText)
  )

.pipeline('log-ack')
  .replaceMessage(
    new Message()
  )
