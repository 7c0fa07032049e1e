// h2-hello: examples/h2-hello's demuxHTTP with a static answer, for
// bench/h2load and bench/h2spec. HTTP/1.x and h2c (prior knowledge) on
// BENCH_LISTEN ("host:port"; default 127.0.0.1:8080); when BENCH_TLS_LISTEN
// is set, h2 and HTTP/1.1 by ALPN there too, with the certificate and key
// in the files BENCH_CERT and BENCH_KEY.
var tlsListen = os.env.BENCH_TLS_LISTEN

var p = pipy()
  .listen(os.env.BENCH_LISTEN || '127.0.0.1:8080')
  .demuxHTTP('hello')

if (tlsListen) {
  p = p.listen(tlsListen, {
    tls: {
      cert: os.readFile(os.env.BENCH_CERT),
      key: os.readFile(os.env.BENCH_KEY),
      alpn: ['h2', 'http/1.1'],
    },
  })
    .demuxHTTP('hello')
}

p.pipeline('hello')
  .replaceMessage(
    new Message({ headers: { 'content-type': 'text/plain' } }, 'Hello, World!\n')
  )
