// tls: a TLS proxy that is TLS on both sides: it terminates TLS from clients
// with the certificate and key in TLS_CERT and TLS_KEY, and opens a new TLS
// connection to the upstream at UPSTREAM for each client, presenting the
// same certificate as its client certificate.
//
//   openssl req -x509 -newkey rsa:2048 -nodes -days 7 -subj /CN=localhost -keyout /tmp/key.pem -out /tmp/cert.pem
//   TLS_CERT=/tmp/cert.pem TLS_KEY=/tmp/key.pem UPSTREAM=example.com:443 UPSTREAM_NAME=example.com go run ./cmd/sluice examples/tls/main.js
//   curl -k https://127.0.0.1:8443/ -H 'Host: example.com'
//
// The upstream's certificate must be valid for UPSTREAM_NAME (or the
// upstream's host) under the system's roots, or under the certificates in
// the file UPSTREAM_CA when it is set (a private CA, a self-signed test
// server); UPSTREAM_INSECURE=true skips the check.

pipy({
  _target: os.env.UPSTREAM || '127.0.0.1:9443',
})

.listen(8443, {
  tls: {
    cert: os.readFile(os.env.TLS_CERT || 'cert.pem'),
    key: os.readFile(os.env.TLS_KEY || 'key.pem'),
  },
  handshakeTimeout: '10s', // a client that connects and sends no hello is cut off
})
  .connect(
    () => _target,
    {
      tls: {
        cert: os.readFile(os.env.TLS_CERT || 'cert.pem'),
        key: os.readFile(os.env.TLS_KEY || 'key.pem'),
        serverName: os.env.UPSTREAM_NAME || (os.env.UPSTREAM || '127.0.0.1:9443').split(':')[0],
        insecure: os.env.UPSTREAM_INSECURE === 'true',
        trusted: os.env.UPSTREAM_CA ? os.readFile(os.env.UPSTREAM_CA) : undefined,
      },
    }
  )
