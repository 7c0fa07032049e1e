package http2_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
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
	"golang.org/x/net/http2"
)

// upstream is a net/http HTTP/2 server (h2c by prior knowledge, or h2 by
// ALPN over TLS) that counts the connections it accepted and keeps them,
// so a test can break them.
type upstream struct {
	addr   string
	srv    *http.Server
	conns  atomic.Int32
	closed atomic.Int32
	mu     sync.Mutex
	open   []net.Conn
	cert   *testnet.Cert // set for TLS
}

func startUpstream(t *testing.T, tlsOn bool, h http.HandlerFunc) *upstream {
	t.Helper()
	u := &upstream{}
	var protos http.Protocols
	protos.SetUnencryptedHTTP2(true)
	protos.SetHTTP2(true)
	u.srv = &http.Server{Handler: h, Protocols: &protos, ConnState: func(c net.Conn, st http.ConnState) {
		switch st {
		case http.StateNew:
			u.conns.Add(1)
			u.mu.Lock()
			u.open = append(u.open, c)
			u.mu.Unlock()
		case http.StateClosed:
			u.closed.Add(1)
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
	addr, _ := servePipeline(t, pipeline.New("front", http1.DecodeRequest(), mux, http1.EncodeResponse(nil)), nil)
	return addr
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
	_, b := get(t, http.DefaultClient, "http://"+addr+"/tls")
	assert.Equal(t, "HTTP/2.0 GET /tls "+addr+"|", b)
}

// TestClientTLSWithoutH2Answers502: a TLS upstream that does not agree on
// h2 by ALPN (an HTTP/1.1 server without ALPN) gets no HTTP/2 bytes: the
// request is answered 502 naming the target and the protocol it chose, and
// the upstream sees no request.
func TestClientTLSWithoutH2Answers502(t *testing.T) {
	cert := testnet.NewCert(t, "localhost")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var reached atomic.Int32
	srv := &http.Server{Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached.Add(1) }),
		ErrorLog: log.New(io.Discard, "", 0)}
	go srv.Serve(tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert.TLS}})) // no ALPN
	t.Cleanup(func() { srv.Close() })
	target := ln.Addr().String()
	for _, h2 := range []bool{false, true} {
		addr := proxy(t, target, h2, http1.MuxHTTPOptions{Outbound: pipeline.OutboundOptions{
			TLS: &tls.Config{RootCAs: cert.Pool, ServerName: "localhost"}}})
		c := &http.Client{Timeout: 10 * time.Second}
		if h2 {
			c = h2cClient()
		}
		status, b := get(t, c, "http://"+addr+"/x")
		assert.Equal(t, 502, status, "h2 client %v: %s", h2, b)
		assert.Contains(t, b, target+` agreed on "" by ALPN, not "h2"`)
	}
	assert.Zero(t, reached.Load(), "no request reached the upstream")
}

// get GETs url with c and returns the status and the whole body.
func get(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := c.Get(url)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, string(b)
}

// getLater GETs url with c on a goroutine; the body, or the error's text,
// comes on the channel.
func getLater(c *http.Client, url string) <-chan string {
	got := make(chan string, 1)
	go func() {
		resp, err := c.Get(url)
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- string(b)
	}()
	return got
}

// within waits for ch with a deadline, so a broken proxy fails the test
// instead of hanging it.
func within(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(20 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// TestClient100StreamsOneConnection: 100 requests of one h2 client are at
// the upstream at once, all on one upstream connection.
func TestClient100StreamsOneConnection(t *testing.T) {
	var n atomic.Int32
	all := make(chan struct{})
	up := startUpstream(t, false, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 100 {
			close(all)
		}
		select {
		case <-all:
		case <-time.After(20 * time.Second):
			w.WriteHeader(500)
			return
		}
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s|%s", r.URL.Path, b)
	})
	addr := proxy(t, up.addr, true, http1.MuxHTTPOptions{})
	c := h2cClient()
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := strings.Repeat(string(rune('a'+i%26)), 1000+i)
			resp, err := c.Post(fmt.Sprintf("http://%s/%d", addr, i), "x", strings.NewReader(body))
			if !assert.NoError(t, err) {
				return
			}
			defer resp.Body.Close()
			got, err := io.ReadAll(resp.Body)
			assert.NoError(t, err)
			assert.Equal(t, 200, resp.StatusCode)
			assert.Equal(t, fmt.Sprintf("/%d|%s", i, body), string(got))
		}()
	}
	wg.Wait()
	assert.EqualValues(t, 1, up.conns.Load(), "upstream connections")
}

// TestClientHonoursMaxConcurrentStreams: an upstream that takes 2 streams
// at a time gets no more on a connection; with maxConnections 2, a second
// connection opens when the first is full, and no third.
func TestClientHonoursMaxConcurrentStreams(t *testing.T) {
	var cur, peak atomic.Int32
	var n atomic.Int32
	four := make(chan struct{})
	up := startUpstream(t, false, func(w http.ResponseWriter, r *http.Request) {
		c := cur.Add(1)
		defer cur.Add(-1)
		for p := peak.Load(); c > p && !peak.CompareAndSwap(p, c); p = peak.Load() {
		}
		if n.Add(1) == 4 {
			close(four)
		}
		select {
		case <-four:
		case <-time.After(20 * time.Second):
		}
		fmt.Fprint(w, r.URL.Path)
	})
	up.srv.HTTP2 = &http.HTTP2Config{MaxConcurrentStreams: 2}
	addr := proxy(t, up.addr, true, http1.MuxHTTPOptions{MaxConns: 2})
	c := h2cClient()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := c.Get(fmt.Sprintf("http://%s/%d", addr, i))
			if !assert.NoError(t, err) {
				return
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			assert.Equal(t, fmt.Sprintf("/%d", i), string(got))
		}()
	}
	wg.Wait()
	assert.EqualValues(t, 2, up.conns.Load(), "upstream connections")
	assert.EqualValues(t, 4, peak.Load(), "streams at once over both")
}

// TestClientUpstreamResetLeavesSiblings: the upstream resets one stream
// before its answer (the client gets 502) and another after its head (a
// cut answer) while a third, on the same connection, completes.
func TestClientUpstreamResetLeavesSiblings(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{})
	up := startUpstream(t, false, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/slow":
			close(started)
			within(t, release, "release")
			fmt.Fprint(w, "slow done")
		case "/reset":
			panic(http.ErrAbortHandler) // RST_STREAM, no answer
		case "/cut":
			w.Write(bytes.Repeat([]byte("x"), 1000))
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		}
	})
	for _, h2 := range []bool{true, false} {
		release = make(chan struct{})
		started = make(chan struct{})
		addr := proxy(t, up.addr, h2, http1.MuxHTTPOptions{})
		c := &http.Client{Timeout: 30 * time.Second}
		if h2 {
			c = h2cClient()
		}
		slow := getLater(c, "http://"+addr+"/slow")
		within(t, started, "the slow request")
		if h2 {
			// the upstream's reset (Go's server: INTERNAL_ERROR) passed on
			_, err := c.Get("http://" + addr + "/reset")
			var se http2.StreamError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, http2.ErrCodeInternal, se.Code)
		} else {
			status, b := get(t, c, "http://"+addr+"/reset")
			assert.Equal(t, 502, status, "%s", b)
			assert.Contains(t, b, "stream reset")
		}

		resp, err := c.Get("http://" + addr + "/cut")
		require.NoError(t, err)
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if h2 || resp.StatusCode == 200 {
			assert.Equal(t, 200, resp.StatusCode, "h2 %v", h2)
			assert.Error(t, err, "a cut answer")
		} else {
			// head, part of the body and reset came in one read: the
			// response encoder had not written the head yet, and the
			// failure is answered 500 instead
			assert.Equal(t, 500, resp.StatusCode)
		}

		close(release)
		assert.Equal(t, "slow done", <-slow)
	}
	// HTTP/1 clients' connections were cut, not the upstream's
	assert.EqualValues(t, 2, up.conns.Load(), "upstream connections")
}

// TestClientUpstreamDiesMidAnswer: the upstream's connection breaks in the
// middle of an answer: the client sees a cut answer, not a hang, and a
// request not answered yet gets 502.
func TestClientUpstreamDiesMidAnswer(t *testing.T) {
	for _, h2 := range []bool{true, false} {
		midway := make(chan struct{})
		waiting := make(chan struct{})
		up := startUpstream(t, false, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/wait" {
				close(waiting)
				<-r.Context().Done()
				return
			}
			w.Write(bytes.Repeat([]byte("y"), 10000))
			w.(http.Flusher).Flush()
			close(midway)
			<-r.Context().Done()
		})
		addr := proxy(t, up.addr, h2, http1.MuxHTTPOptions{})
		c, c2 := &http.Client{Timeout: 30 * time.Second}, &http.Client{Timeout: 30 * time.Second}
		if h2 {
			c, c2 = h2cClient(), h2cClient()
		}
		status := make(chan int, 1)
		go func() {
			resp, err := c2.Get("http://" + addr + "/wait")
			if err != nil {
				status <- 0
				return
			}
			io.ReadAll(resp.Body)
			resp.Body.Close()
			status <- resp.StatusCode
		}()
		within(t, waiting, "the waiting request")
		resp, err := c.Get("http://" + addr + "/mid")
		require.NoError(t, err)
		buf := make([]byte, 100)
		_, err = io.ReadFull(resp.Body, buf)
		require.NoError(t, err)
		within(t, midway, "the answer's first part")
		up.breakAll()
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Error(t, err, "a cut answer (h2 %v)", h2)
		assert.Equal(t, 502, <-status)
	}
}

// TestClientCancelResetsOnlyThatStream: a client that leaves in the middle
// of its answer resets its upstream stream (the upstream handler sees its
// request cancelled); the upstream connection goes on serving.
func TestClientCancelResetsOnlyThatStream(t *testing.T) {
	cancelled := make(chan struct{})
	up := startUpstream(t, false, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ok" {
			fmt.Fprint(w, "ok")
			return
		}
		w.Write([]byte("first"))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
		close(cancelled)
	})
	addr := proxy(t, up.addr, true, http1.MuxHTTPOptions{})
	c := h2cClient()
	resp, err := c.Get("http://" + addr + "/long")
	require.NoError(t, err)
	buf := make([]byte, 5)
	_, err = io.ReadFull(resp.Body, buf)
	require.NoError(t, err)
	resp.Body.Close() // RST_STREAM(CANCEL) to the proxy, which passes it on
	within(t, cancelled, "the upstream to see the cancel")
	_, b := get(t, c, "http://"+addr+"/ok")
	assert.Equal(t, "ok", b)
	assert.EqualValues(t, 1, up.conns.Load(), "upstream connections")
}

// TestClientSlowReaderThrottlesUpstream: a client that stops reading stops
// the upstream through the window of its stream: what the upstream writes
// meanwhile stays bounded (by the windows and socket buffers on the way),
// far below the answer's size; then the whole answer arrives.
func TestClientSlowReaderThrottlesUpstream(t *testing.T) {
	const total = 64 << 20
	var written atomic.Int64
	up := startUpstream(t, false, func(w http.ResponseWriter, r *http.Request) {
		chunk := bytes.Repeat([]byte("z"), 32<<10)
		for written.Load() < total {
			n, err := w.Write(chunk)
			written.Add(int64(n))
			if err != nil {
				return
			}
		}
	})
	for _, h2 := range []bool{true, false} {
		written.Store(0)
		addr := proxy(t, up.addr, h2, http1.MuxHTTPOptions{})
		c := &http.Client{Timeout: 60 * time.Second}
		if h2 {
			c = h2cClient()
		}
		resp, err := c.Get("http://" + addr + "/big")
		require.NoError(t, err)
		one := make([]byte, 1)
		_, err = io.ReadFull(resp.Body, one)
		require.NoError(t, err)
		last := stalled(&written)
		t.Logf("h2 %v: the upstream stopped after %d KiB", h2, last>>10)
		assert.Less(t, last, int64(24<<20), "h2 %v", h2)
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		assert.EqualValues(t, total, n+1)
	}
}

// TestClientCurlThroughProxy: curl --http2-prior-knowledge, through
// demuxHTTP and muxHTTP with version 2, to an h2c upstream (skipped where
// curl is not installed or lacks HTTP/2).
func TestClientCurlThroughProxy(t *testing.T) {
	up := startUpstream(t, false, echoUp)
	addr := proxy(t, up.addr, true, http1.MuxHTTPOptions{})
	assert.Equal(t, "HTTP/2.0 POST /curl "+addr+"|data|2", curlPost(t, "http://"+addr+"/curl"))
}

// TestClientCurlHTTP2OverTLSThroughProxy: curl --http2 over TLS (h2 by
// ALPN), through demuxHTTP and muxHTTP with version 2, to an h2c upstream.
func TestClientCurlHTTP2OverTLSThroughProxy(t *testing.T) {
	up := startUpstream(t, false, echoUp)
	cert := testnet.NewCert(t, "localhost")
	ca := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(ca, []byte(cert.CertPEM), 0o600))
	addr, _ := serveTLS(t, &tls.Config{Certificates: []tls.Certificate{cert.TLS}, NextProtos: []string{"h2", "http/1.1"}},
		sh2.Options{}, sh2.MuxHTTP(up.addr, http1.MuxHTTPOptions{}))
	_, port, _ := net.SplitHostPort(addr)
	host := "localhost:" + port
	got := curlPost(t, "https://"+host+"/curl", "--http2", "--cacert", ca, "--resolve", host+":127.0.0.1")
	assert.Equal(t, "HTTP/2.0 POST /curl "+host+"|data|2", got)
}

// TestClientGoH2OverTLSThroughProxy: Go's HTTP/2 client over TLS (h2 by
// ALPN) through demuxHTTP and muxHTTP with version 2 to a net/http h2c
// upstream: 20 concurrent requests on one connection, each 1 MiB body
// back byte for byte.
func TestClientGoH2OverTLSThroughProxy(t *testing.T) {
	up := startUpstream(t, false, echoUp)
	cert := testnet.NewCert(t, "localhost")
	addr, _ := serveTLS(t, &tls.Config{Certificates: []tls.Certificate{cert.TLS}, NextProtos: []string{"h2", "http/1.1"}},
		sh2.Options{}, sh2.MuxHTTP(up.addr, http1.MuxHTTPOptions{}))
	tr := h2TLSTransport(&tls.Config{RootCAs: cert.Pool, ServerName: "localhost"})
	defer tr.CloseIdleConnections()
	var conns atomic.Int32
	tr.DialTLSContext = func(ctx context.Context, network, a string) (net.Conn, error) {
		conns.Add(1)
		return (&tls.Dialer{Config: tr.TLSClientConfig}).DialContext(ctx, network, a)
	}
	c := &http.Client{Transport: tr, Timeout: 60 * time.Second}
	get(t, c, "https://"+addr+"/first") // the connection, before the concurrent ones
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := bytes.Repeat([]byte{'a' + byte(i)}, 1<<20+i)
			resp, err := c.Post("https://"+addr+"/tls", "x", bytes.NewReader(body))
			if !assert.NoError(t, err) {
				return
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			assert.NoError(t, err)
			assert.Equal(t, 2, resp.ProtoMajor)
			assert.True(t, bytes.Equal(append([]byte("HTTP/2.0 POST /tls "+addr+"|"), body...), b), "request %d byte for byte", i)
		}()
	}
	wg.Wait()
	assert.EqualValues(t, 1, conns.Load(), "one client connection")
}

// TestClientSlowUpstreamThrottlesClient: an upstream that does not read a
// request body stops the client's sending through the windows: what the
// client manages to send meanwhile stays bounded, far below the body's
// size; then the whole body arrives, byte for byte.
func TestClientSlowUpstreamThrottlesClient(t *testing.T) {
	const total = 64 << 20
	reading := make(chan struct{})
	var got atomic.Int64
	up := startUpstream(t, false, func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 1)
		io.ReadFull(r.Body, buf)
		within(t, reading, "the test to let the upstream read")
		n, _ := io.Copy(io.Discard, r.Body)
		got.Store(n + 1)
		fmt.Fprint(w, "done")
	})
	for _, h2 := range []bool{true, false} {
		reading = make(chan struct{})
		addr := proxy(t, up.addr, h2, http1.MuxHTTPOptions{})
		c := &http.Client{Timeout: 60 * time.Second}
		if h2 {
			c = h2cClient()
		}
		var sent atomic.Int64
		pr, pw := io.Pipe()
		go func() {
			chunk := bytes.Repeat([]byte("u"), 32<<10)
			for sent.Load() < total {
				n, err := pw.Write(chunk)
				sent.Add(int64(n))
				if err != nil {
					return
				}
			}
			pw.Close()
		}()
		answer := make(chan string, 1)
		go func() {
			resp, err := c.Post("http://"+addr+"/up", "x", pr)
			if err != nil {
				answer <- err.Error()
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			answer <- string(b)
		}()
		last := stalled(&sent)
		t.Logf("h2 %v: the client stopped after %d KiB", h2, last>>10)
		assert.Less(t, last, int64(24<<20), "h2 %v", h2)
		close(reading)
		assert.Equal(t, "done", <-answer)
		assert.EqualValues(t, total, got.Load())
	}
}

// stalled waits for a byte count that a peer's writes move to stop moving
// (unchanged over 50 looks 10 ms apart, within 30 s) and returns it: there
// is no event that says a writer is blocked by flow control.
func stalled(n *atomic.Int64) int64 {
	deadline := time.Now().Add(30 * time.Second)
	last, same := n.Load(), 0
	for same < 50 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		if v := n.Load(); v == last {
			same++
		} else {
			last, same = v, 0
		}
	}
	return last
}

// TestClientIdleConnectionCloses: an upstream connection unused for
// IdleTimeout (on the worker's clock) closes.
func TestClientIdleConnectionCloses(t *testing.T) {
	up := startUpstream(t, false, echoUp)
	h := pipelinetest.Of(t, sh2.MuxHTTP(up.addr, http1.MuxHTTPOptions{IdleTimeout: time.Minute}))
	h.InputMessage(&http1.RequestHead{Method: "GET", Path: "/idle", Protocol: "HTTP/1.1"}, "")
	h.Wait(func() bool { return len(h.Messages()) == 1 })
	assert.Equal(t, "HTTP/2.0 GET /idle "+up.addr+"|", h.Messages()[0].Body.String())
	assert.Zero(t, up.closed.Load())
	assert.Equal(t, []http1.PoolStats{{Target: up.addr, Idle: 1}}, http1.PoolsOn(h.Worker))
	h.Advance(time.Minute)
	h.Wait(func() bool { return up.closed.Load() == 1 })
	assert.Empty(t, http1.PoolsOn(h.Worker))
	h.End().Run()
}

// TestClientAnswerTimeout504: an upstream that does not answer within the
// answer timeout (on the worker's clock) gets the request a 504.
func TestClientAnswerTimeout504(t *testing.T) {
	var arrived atomic.Bool
	up := startUpstream(t, false, func(w http.ResponseWriter, r *http.Request) {
		arrived.Store(true)
		<-r.Context().Done()
	})
	h := pipelinetest.Of(t, sh2.MuxHTTP(up.addr, http1.MuxHTTPOptions{Outbound: pipeline.OutboundOptions{AnswerTimeout: 10 * time.Second}}))
	h.InputMessage(&http1.RequestHead{Method: "GET", Path: "/hang", Protocol: "HTTP/1.1"}, "")
	h.Wait(arrived.Load)
	h.Advance(10 * time.Second)
	h.Wait(func() bool { return len(h.Messages()) == 1 })
	assert.Equal(t, 504, h.Messages()[0].Head.(*http1.ResponseHead).Status)
	h.End().Run()
}

// TestClientRefused503: an upstream that refuses the connection gets the
// request a 503, from HTTP/1.1 and h2 clients alike.
func TestClientRefused503(t *testing.T) {
	refused := testnet.RefusedAddr(t)
	for _, h2 := range []bool{true, false} {
		addr := proxy(t, refused, h2, http1.MuxHTTPOptions{})
		c := &http.Client{Timeout: 30 * time.Second}
		if h2 {
			c = h2cClient()
		}
		status, body := get(t, c, "http://"+addr+"/x")
		assert.Equal(t, 503, status, "%s", body)
	}
}

// TestClientPipelinedAnswersInOrder: an HTTP/1.1 client's pipelined
// requests go to the upstream at once, on streams of one connection; the
// first is answered last, and the answers still come back in request
// order.
func TestClientPipelinedAnswersInOrder(t *testing.T) {
	others := make(chan struct{}, 4)
	up := startUpstream(t, false, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/1" {
			for range 4 {
				within(t, others, "the other answers")
			}
		} else {
			defer func() { others <- struct{}{} }()
		}
		fmt.Fprint(w, r.URL.Path)
	})
	addr := proxy(t, up.addr, false, http1.MuxHTTPOptions{})
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	var reqs strings.Builder
	for i := 1; i <= 5; i++ {
		fmt.Fprintf(&reqs, "GET /%d HTTP/1.1\r\nHost: x\r\n\r\n", i)
	}
	_, err = io.WriteString(c, reqs.String())
	require.NoError(t, err)
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	rd := bufio.NewReader(c)
	for i := 1; i <= 5; i++ {
		resp, err := http.ReadResponse(rd, nil)
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, fmt.Sprintf("/%d", i), string(b))
	}
	assert.EqualValues(t, 1, up.conns.Load())
}

// TestClientGRPCTrailersOnly: a gRPC error answer sent "trailers-only" (one
// HEADERS frame ending the stream, grpc-status in it) reaches an h2 client
// through demuxHTTP with grpc-status in the trailers, where gRPC clients
// read it.
func TestClientGRPCTrailersOnly(t *testing.T) {
	up := startUpstream(t, false, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/grpc")
		w.Header().Set("Grpc-Status", "5")
		w.Header().Set("Grpc-Message", "not found")
	})
	addr := proxy(t, up.addr, true, http1.MuxHTTPOptions{})
	req, err := http.NewRequest("POST", "http://"+addr+"/pkg.Svc/Get", strings.NewReader("\x00\x00\x00\x00\x00"))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/grpc")
	req.Header.Set("TE", "trailers")
	resp, err := h2cClient().Do(req)
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Empty(t, b)
	assert.Equal(t, "application/grpc", resp.Header.Get("Content-Type"))
	assert.Empty(t, resp.Header.Get("Grpc-Status"))
	assert.Equal(t, "5", resp.Trailer.Get("Grpc-Status"))
	assert.Equal(t, "not found", resp.Trailer.Get("Grpc-Message"))
}

// TestClientHeadKeepsLength: the answer to a HEAD request keeps its
// Content-Length on its way to an HTTP/1.1 client.
func TestClientHeadKeepsLength(t *testing.T) {
	up := startUpstream(t, false, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "12345")
	})
	addr := proxy(t, up.addr, false, http1.MuxHTTPOptions{})
	resp, err := http.Head("http://" + addr + "/h")
	require.NoError(t, err)
	resp.Body.Close()
	assert.EqualValues(t, 12345, resp.ContentLength)
}
