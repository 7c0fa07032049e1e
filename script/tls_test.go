package script_test

import (
	"crypto/tls"
	"io"
	"net"
	"testing"
	"time"

	"github.com/sluice-go/sluice/internal/testnet"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/sluice-go/sluice/script"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestListenTLS(t *testing.T) {
	testCert := testnet.NewCert(t, "localhost")
	cert, key := testCert.CertPEM, testCert.KeyPEM
	dir := t.TempDir()
	writeFile(t, dir, "key.pem", key)
	writeFile(t, dir, "main.js", `
pipy()
.listen(0, { tls: { cert: new Data(`+"`"+cert+"`"+`), key: 'key.pem' }, handshakeTimeout: '3s' })
  .replaceData(d => new Data('secure ' + d.toString()))
`)
	m, err := script.Load(dir+"/main.js", script.Options{ListenHost: "127.0.0.1", Logger: pipelinetest.TestLogger(t)})
	require.NoError(t, err)
	require.NotNil(t, m.Pipelines[0].ListenOptions.TLS)
	assert.Equal(t, 3*time.Second, m.Pipelines[0].ListenOptions.Conn.HandshakeTimeout)
	pr, err := pipeline.Start(m, pipeline.StartOptions{Workers: 1})
	require.NoError(t, err)
	defer pr.Close()
	c, err := tls.Dial("tcp", pr.Addrs()[0].String(), &tls.Config{InsecureSkipVerify: true})
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Write([]byte("hi"))
	require.NoError(t, err)
	c.CloseWrite()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	b, _ := io.ReadAll(c)
	assert.Equal(t, "secure hi", string(b))
}

// TestTLSTrusted runs a TLS listener that requires client certificates
// signed by a trusted one, and a proxy that connects to it with TLS,
// trusting the server's certificate (not the system roots) and presenting
// its own.
func TestTLSTrusted(t *testing.T) {
	testCert := testnet.NewCert(t, "localhost")
	cert, key := testCert.CertPEM, testCert.KeyPEM
	dir := t.TempDir()
	writeFile(t, dir, "cert.pem", cert)
	writeFile(t, dir, "key.pem", key)
	opts := script.Options{ListenHost: "127.0.0.1", Logger: pipelinetest.TestLogger(t)}
	writeFile(t, dir, "server.js", `
pipy()
.listen(0, { tls: { cert: 'cert.pem', key: 'key.pem', trusted: ['cert.pem'] } })
  .replaceData(d => new Data('secure ' + d.toString()))
`)
	server, err := script.Load(dir+"/server.js", opts)
	require.NoError(t, err)
	sp, err := pipeline.Start(server, pipeline.StartOptions{Workers: 1})
	require.NoError(t, err)
	defer sp.Close()

	writeFile(t, dir, "proxy.js", `
pipy()
.listen(0)
  .connect('`+sp.Addrs()[0].String()+`', { tls: { cert: 'cert.pem', key: 'key.pem', serverName: 'localhost', trusted: 'cert.pem' } })
`)
	proxy, err := script.Load(dir+"/proxy.js", opts)
	require.NoError(t, err)
	pp, err := pipeline.Start(proxy, pipeline.StartOptions{Workers: 1})
	require.NoError(t, err)
	defer pp.Close()

	c, err := net.Dial("tcp", pp.Addrs()[0].String())
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Write([]byte("hi"))
	require.NoError(t, err)
	c.(*net.TCPConn).CloseWrite()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	b, _ := io.ReadAll(c)
	assert.Equal(t, "secure hi", string(b))

	// Without a client certificate the server refuses the handshake.
	tc, err := tls.Dial("tcp", sp.Addrs()[0].String(), &tls.Config{RootCAs: testCert.Pool, ServerName: "localhost"})
	if err == nil {
		defer tc.Close()
		tc.SetDeadline(time.Now().Add(10 * time.Second))
		_, err = io.ReadAll(tc) // TLS 1.3: the refusal comes after the client's handshake
	}
	assert.Error(t, err)

	// A bad trusted value names the problem at load.
	writeFile(t, dir, "bad.js", `pipy().listen(0, { tls: { cert: 'cert.pem', key: 'key.pem', trusted: 'key.pem' } })`)
	_, err = script.Load(dir+"/bad.js", opts)
	assert.ErrorContains(t, err, "trusted certificate")
}
