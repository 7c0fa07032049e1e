// static: serves the files of the www/ folder over HTTP. Files are read once
// and kept in a cache; when a client accepts gzip and a pre-compressed
// "name.gz" file exists, that is sent instead (with content-encoding: gzip).
// A directory serves its index.html.
//
//   go run ./cmd/sluice examples/static/main.js
//   curl --compressed -i http://127.0.0.1:8008/css/style.css

pipy({
  // The files read so far, by path (null for those that do not exist); an
  // object value is shared by every connection of a worker.
  _files: new algo.Cache(
    path => http.File.from('www' + path),
    null,
    { size: 1000 }
  ),

  _path: '', // per request
})

.listen(8008)
  .decodeHttpRequest()
  .replaceMessage(
    msg => (
      _path = msg.head.path.split('?')[0],
      (
        file => file ? (
          file.toMessage(msg.head.headers['accept-encoding'])
        ) : (
          new Message({ status: 404, headers: { 'content-type': 'text/plain' } }, 'Not found\n')
        )
      )(
        // No ".." segment: the files served stay in www/.
        _path.startsWith('/') && !_path.split('/').includes('..') ? _files.get(_path) : null
      )
    )
  )
  .encodeHttpResponse()
