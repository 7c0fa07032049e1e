package script_test

import (
	"bufio"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sluice-go/sluice/internal/testnet"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/script"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDemuxHTTPServesH2CAndHTTP1: a script's demuxHTTP answers Go's HTTP/2
// client (h2c, prior knowledge) and its HTTP/1.1 client on one port, the
// heads reading alike.
func TestDemuxHTTPServesH2CAndHTTP1(t *testing.T) {
	m := load(t, `
pipy()
.listen(0)
  .demuxHTTP('handle', {maxConcurrentStreams: 10, maxHeaderListSize: '32k', headTimeout: '5s', bodyTimeout: '20s'})
.pipeline('handle')
  .replaceMessage(msg => new Message({status: 201, headers: {'x-proto': msg.head.protocol}},
    msg.head.method + ' ' + msg.head.path + ' ' + msg.head.headers.host + ' ' + msg.head.scheme + ' ' + msg.body.toString()))
`, script.Options{ListenHost: "127.0.0.1"})
	pr, err := pipeline.Start(m, pipeline.StartOptions{Workers: 1, WorkerOptions: pipeline.WorkerOptions{Logger: (&logBuffer{}).logger()}})
	require.NoError(t, err)
	defer pr.Close()
	addr := pr.Addrs()[0].String()

	var protos http.Protocols
	protos.SetUnencryptedHTTP2(true) // h2c with prior knowledge
	h2c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{Protocols: &protos}}
	for _, c := range []struct {
		client *http.Client
		proto  string
		scheme string
	}{{h2c, "HTTP/2", "http"}, {http.DefaultClient, "HTTP/1.1", "http"}} {
		resp, err := c.client.Post("http://"+addr+"/p?q", "text/plain", strings.NewReader("hi"))
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, 201, resp.StatusCode)
		assert.Equal(t, c.proto, resp.Header.Get("x-proto"))
		assert.Equal(t, "POST /p?q "+addr+" "+c.scheme+" hi", string(b))
	}
}

func TestDemuxHTTPListedInFilters(t *testing.T) {
	var found bool
	for _, i := range script.Filters() {
		if i.Name == "demuxHTTP" {
			found = i.Summary != "(no description)" && len(i.Params) == 2
		}
	}
	assert.True(t, found, "demuxHTTP with its description and parameters")
}

// TestDemuxHTTPServesH2OverTLS: listen's tls.alpn offers h2, and Go's
// HTTP/2 client speaks it over TLS to demuxHTTP.
func TestDemuxHTTPServesH2OverTLS(t *testing.T) {
	cert := testnet.NewCert(t, "localhost")
	pem := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	m := load(t, `
pipy()
.listen(0, {tls: {cert: `+pem(cert.CertPEM)+`, key: `+pem(cert.KeyPEM)+`, alpn: ['h2', 'http/1.1']}})
  .demuxHTTP('handle')
.pipeline('handle')
  .replaceMessage(msg => new Message(msg.head.protocol + ' ' + msg.head.scheme + ' ' + msg.head.authority))
`, script.Options{ListenHost: "127.0.0.1"})
	pr, err := pipeline.Start(m, pipeline.StartOptions{Workers: 1, WorkerOptions: pipeline.WorkerOptions{Logger: (&logBuffer{}).logger()}})
	require.NoError(t, err)
	defer pr.Close()
	addr := pr.Addrs()[0].String()
	c := &http.Client{Timeout: 30 * time.Second, Transport: h2Only(&tls.Config{RootCAs: cert.Pool, ServerName: "localhost"})}
	resp, err := c.Get("https://" + addr + "/")
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, "HTTP/2 https "+addr, string(b))
}

// h2Only is Go's HTTP/2 client over TLS (h2 by ALPN only).
func h2Only(cfg *tls.Config) *http.Transport {
	var protos http.Protocols
	protos.SetHTTP2(true)
	return &http.Transport{TLSClientConfig: cfg, Protocols: &protos}
}

// TestDemuxHTTPOnFail: demuxHTTP's onFail answers a request whose callback
// throws, over HTTP/2 as over HTTP/1.1, as demux's does.
func TestDemuxHTTPOnFail(t *testing.T) {
	m := load(t, `
pipy()
.listen(0)
  .demuxHTTP('handle', {onFail: e => new Message({status: 503}, 'replaced: ' + e.error)})
.pipeline('handle')
  .onMessageStart(e => { if (e.head.path === '/boom') throw new Error('boom') })
  .replaceMessage(msg => new Message('ok'))
`, script.Options{ListenHost: "127.0.0.1"})
	pr, err := pipeline.Start(m, pipeline.StartOptions{Workers: 1, WorkerOptions: pipeline.WorkerOptions{Logger: (&logBuffer{}).logger()}})
	require.NoError(t, err)
	defer pr.Close()
	var protos http.Protocols
	protos.SetUnencryptedHTTP2(true) // h2c with prior knowledge
	h2c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{Protocols: &protos}}
	for _, c := range []*http.Client{h2c, {Timeout: 30 * time.Second}} {
		resp, err := c.Get("http://" + pr.Addrs()[0].String() + "/boom")
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, 503, resp.StatusCode, resp.Proto)
		assert.Equal(t, "replaced: RuntimeError", string(b), resp.Proto)
	}
}

// TestHeadSchemeAndAuthorityBothVersions: a request head shows scheme and
// authority to scripts alike over HTTP/1.1 and HTTP/2, plain and TLS: an
// HTTP/1 request's scheme from its connection, its authority from the
// Host field (an absolute-form target's, which replaces it); a script
// sets them as it sets an HTTP/2 request's.
func TestHeadSchemeAndAuthorityBothVersions(t *testing.T) {
	cert := testnet.NewCert(t, "localhost")
	pem := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	start := func(listen string) string {
		m := load(t, `
pipy()
.listen(0`+listen+`)
  .demuxHTTP('handle')
.pipeline('handle')
  .replaceMessage(msg => {
    const h = msg.head
    const seen = [h.protocol, h.scheme, h.authority, 'scheme' in h, Object.keys(h).filter(k => k === 'authority').length]
    h.scheme = 'set-' + h.scheme
    h.authority = 'set.example'
    return new Message(seen.concat([h.scheme, h.authority]).join(' '))
  })
`, script.Options{ListenHost: "127.0.0.1"})
		pr, err := pipeline.Start(m, pipeline.StartOptions{Workers: 1, WorkerOptions: pipeline.WorkerOptions{Logger: (&logBuffer{}).logger()}})
		require.NoError(t, err)
		t.Cleanup(func() { pr.Close() })
		return pr.Addrs()[0].String()
	}
	plain := start("")
	secure := start(", {tls: {cert: " + pem(cert.CertPEM) + ", key: " + pem(cert.KeyPEM) + ", alpn: ['h2', 'http/1.1']}}")
	cfg := &tls.Config{RootCAs: cert.Pool, ServerName: "localhost"}
	var h2c, h1 http.Protocols
	h2c.SetUnencryptedHTTP2(true)
	h1.SetHTTP1(true)
	for _, c := range []struct {
		tr   *http.Transport
		url  string
		want string
	}{
		{&http.Transport{Protocols: &h1}, "http://" + plain, "HTTP/1.1 http " + plain},
		{&http.Transport{Protocols: &h2c}, "http://" + plain, "HTTP/2 http " + plain},
		{&http.Transport{Protocols: &h1, TLSClientConfig: cfg}, "https://" + secure, "HTTP/1.1 https " + secure},
		{h2Only(cfg), "https://" + secure, "HTTP/2 https " + secure},
	} {
		resp, err := (&http.Client{Timeout: 30 * time.Second, Transport: c.tr}).Get(c.url + "/x")
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		resp.Body.Close()
		c.tr.CloseIdleConnections()
		scheme := strings.Fields(c.want)[1]
		listed := "0" // an HTTP/1 head's computed fields are not listed (JSON as Pipy 0.x's)
		if strings.HasPrefix(c.want, "HTTP/2") {
			listed = "1"
		}
		assert.Equal(t, c.want+" true "+listed+" set-"+scheme+" set.example", string(b))
	}

	// an absolute-form target gives the authority (the decoder shows it as
	// Host); the scheme stays the connection's
	conn, err := net.Dial("tcp", plain)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
	_, err = io.WriteString(conn, "GET https://other.example:8443/x HTTP/1.1\r\nHost: ignored.example\r\nConnection: close\r\n\r\n")
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, "HTTP/1.1 http other.example:8443 true 0 set-http set.example", string(b))
}
