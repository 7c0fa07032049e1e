package http2_test

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluice-go/sluice/codec/http1"
	sh2 "github.com/sluice-go/sluice/codec/http2"
	"github.com/sluice-go/sluice/internal/testnet"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// upstream is a net/http HTTP/2 server (h2c by prior knowledge, or h2 by
// ALPN over TLS) that counts the connections it accepted and keeps them,
// so a test can break them.
type upstream struct {
	addr  string
	srv   *http.Server
	conns atomic.Int32
	mu    sync.Mutex
	open  []net.Conn
	cert  *testnet.Cert // set for TLS
}

func startUpstream(t *testing.T, tlsOn bool, h http.HandlerFunc) *upstream {
	t.Helper()
	u := &upstream{}
	var protos http.Protocols
	protos.SetUnencryptedHTTP2(true)
	protos.SetHTTP2(true)
	u.srv = &http.Server{Handler: h, Protocols: &protos, ConnState: func(c net.Conn, st http.ConnState) {
		if st == http.StateNew {
			u.conns.Add(1)
			u.mu.Lock()
			u.open = append(u.open, c)
			u.mu.Unlock()
		}
	}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	u.addr = ln.Addr().String()
	if tlsOn {
		u.cert = testnet.NewCert(t, "localhost")
		u.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{u.cert.TLS}, NextProtos: []string{"h2"}}
		ln = tls.NewListener(ln, u.srv.TLSConfig)
	}
	go u.srv.Serve(ln)
	t.Cleanup(func() { u.srv.Close() })
	return u
}

// breakAll closes the upstream's connections at the TCP level.
func (u *upstream) breakAll() {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, c := range u.open {
		c.Close()
	}
}

// proxy serves a sluice proxy to target through muxHTTP with version 2:
// demuxHTTP in front when h2 is set (HTTP/1.x and h2c clients), else
// decodeHttpRequest → muxHTTP → encodeHttpResponse (HTTP/1.x clients).
func proxy(t *testing.T, target string, h2 bool, opts http1.MuxHTTPOptions) string {
	t.Helper()
	mux := sh2.MuxHTTP(target, opts)
	if h2 {
		addr, _ := serve(t, sh2.Options{}, mux)
		return addr
	}
	p := pipeline.New("front", http1.DecodeRequest(), mux, http1.EncodeResponse(nil))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	g := pipeline.NewGroup(1, pipeline.WorkerOptions{Logger: pipelinetest.TestLogger(t)})
	srv := &pipeline.Server{Pipeline: p, Group: g}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		assert.ErrorIs(t, <-done, pipeline.ErrServerClosed)
		g.Close()
	})
	return ln.Addr().String()
}

// echoUp answers "PROTO METHOD PATH HOST|" and the request's body, with
// the request's trailers echoed as the answer's, and "x-te" the TE it saw.
func echoUp(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	for k := range r.Trailer {
		w.Header().Add("Trailer", k)
	}
	w.Header().Set("x-te", r.Header.Get("Te"))
	w.Header().Set("x-conn", r.Header.Get("Connection")+r.Header.Get("Keep-Alive"))
	fmt.Fprintf(w, "%s %s %s %s|", r.Proto, r.Method, r.URL.Path, r.Host)
	w.Write(b)
	for k, v := range r.Trailer {
		w.Header().Set(k, v[0])
	}
}

func TestClientFromHTTP1AndH2C(t *testing.T) {
	up := startUpstream(t, false, echoUp)
	for _, h2 := range []bool{false, true} {
		addr := proxy(t, up.addr, h2, http1.MuxHTTPOptions{})
		c := &http.Client{Timeout: 30 * time.Second}
		if h2 {
			c = h2cClient()
		}
		req, err := http.NewRequest("POST", "http://"+addr+"/a?q=1", strings.NewReader("hello"))
		require.NoError(t, err)
		if h2 {
			req.Header.Set("TE", "trailers")
		} else { // hop-by-hop: the decoder drops them (TE too)
			req.Header.Set("Connection", "keep-alive, x-hop")
			req.Header.Set("X-Hop", "1")
			req.Header.Set("Keep-Alive", "timeout=5")
		}
		resp, err := c.Do(req)
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, "HTTP/2.0 POST /a "+addr+"|hello", string(b), "h2 client %v", h2)
		if h2 {
			assert.Equal(t, "trailers", resp.Header.Get("x-te"))
		}
		assert.Empty(t, resp.Header.Get("x-conn"))
	}
	assert.EqualValues(t, 2, up.conns.Load())
}

func TestClientTrailersBothWays(t *testing.T) {
	up := startUpstream(t, false, echoUp)
	addr := proxy(t, up.addr, true, http1.MuxHTTPOptions{})
	req, err := http.NewRequest("POST", "http://"+addr+"/t", io.NopCloser(strings.NewReader("x")))
	require.NoError(t, err)
	req.Trailer = http.Header{"Grpc-Status": {"7"}}
	resp, err := h2cClient().Do(req)
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, "HTTP/2.0 POST /t "+addr+"|x", string(b))
	assert.Equal(t, "7", resp.Trailer.Get("Grpc-Status"))
}

// TestClientLargeBodies: 1 MiB up and down, more than every window, byte
// for byte, from HTTP/1.1 and h2c clients.
func TestClientLargeBodies(t *testing.T) {
	up := startUpstream(t, false, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Write(b)
		w.Write(b)
	})
	body := make([]byte, 1<<20)
	for i := range body {
		body[i] = byte(i * 7 / 3)
	}
	for _, h2 := range []bool{false, true} {
		addr := proxy(t, up.addr, h2, http1.MuxHTTPOptions{})
		c := &http.Client{Timeout: 30 * time.Second}
		if h2 {
			c = h2cClient()
		}
		resp, err := c.Post("http://"+addr+"/big", "x", bytes.NewReader(body))
		require.NoError(t, err)
		got, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, 2<<20, len(got))
		assert.True(t, bytes.Equal(body, got[:1<<20]) && bytes.Equal(body, got[1<<20:]), "h2 client %v", h2)
	}
}

// TestClientTLSByALPN: h2 over TLS to the upstream, negotiated by ALPN.
func TestClientTLSByALPN(t *testing.T) {
	up := startUpstream(t, true, echoUp)
	addr := proxy(t, up.addr, false, http1.MuxHTTPOptions{Outbound: pipeline.OutboundOptions{
		TLS: &tls.Config{RootCAs: up.cert.Pool, ServerName: "localhost"}}})
	resp, err := http.Get("http://" + addr + "/tls")
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, "HTTP/2.0 GET /tls "+addr+"|", string(b))
}
