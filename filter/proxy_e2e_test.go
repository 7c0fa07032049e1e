package filter_test

// End-to-end proxies on 127.0.0.1: a TCP proxy made of connect alone, and an
// HTTP proxy made of the HTTP/1.x codec around connect, each served by a
// pipeline.Server and talked to by real clients.

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/internal/testnet"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// serveListen serves p with a pipeline.Server on 127.0.0.1:0, on a group of
// one worker logging to the test's log, terminating TLS with cfg when it is
// not nil. It returns the
// address and a function that closes the server and its group and checks
// that Serve returned ErrServerClosed; that also runs at cleanup.
func serveListen(t *testing.T, p *pipeline.Pipeline, cfg *tls.Config) (addr string, stop func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	g := pipeline.NewGroup(1, pipeline.WorkerOptions{Logger: pipelinetest.TestLogger(t)})
	srv := &pipeline.Server{Pipeline: p, Group: g, TLS: cfg}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	stop = sync.OnceFunc(func() {
		srv.Close()
		assert.ErrorIs(t, <-done, pipeline.ErrServerClosed, "Serve")
		g.Close()
	})
	t.Cleanup(stop)
	return ln.Addr().String(), stop
}

// randomStream returns a reader of n pseudo-random bytes from seed.
func randomStream(n int64, seed uint64) io.Reader {
	var key [32]byte
	key[0] = byte(seed)
	key[1] = byte(seed >> 8)
	return io.LimitReader(rand.NewChaCha8(key), n)
}

// exchange writes what src yields to c while it reads c to the end, half-
// closes c after the last byte, and returns how many bytes it wrote and
// read and the SHA-256 of each direction.
func exchange(c net.Conn, src io.Reader) (wrote, read int64, sentSum, gotSum string, err error) {
	type closeWriter interface{ CloseWrite() error }
	werr := make(chan error, 1)
	sent := sha256.New()
	go func() {
		var err error
		wrote, err = io.CopyBuffer(c, io.TeeReader(src, sent), make([]byte, 64<<10))
		if err == nil {
			err = c.(closeWriter).CloseWrite()
		}
		werr <- err
	}()
	got := sha256.New()
	read, err = io.CopyBuffer(got, c, make([]byte, 64<<10))
	if e := <-werr; err == nil {
		err = e
	}
	return wrote, read, hex.EncodeToString(sent.Sum(nil)), hex.EncodeToString(got.Sum(nil)), err
}

// TestTCPProxy100MB runs 100 MB each way through a listen pipeline made of
// connect alone, to an echo upstream: the client writes while it reads, and
// what comes back is byte for byte what it sent. Closing the client's
// writing side travels through the proxy to the upstream (half-close), whose
// own close travels back. Nothing is left running once the server is closed.
// It runs twice: relayed in the kernel (connect alone takes the connection
// over), and on the event path (an idle timeout keeps the bytes in events).
func TestTCPProxy100MB(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  filter.ConnectOptions
		relay bool
	}{
		{"relay", filter.ConnectOptions{}, true},
		{"events", filter.ConnectOptions{IdleTimeout: time.Hour}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const size = 100 << 20
			leaks := netLeakBaseline(t)
			counts := relayCounts()
			up := testnet.Serve(t, testnet.Echo)
			addr, stop := serveListen(t, pipeline.New("proxy", filter.Connect(up.Addr(), tc.opts)), nil)

			c, err := net.Dial("tcp", addr)
			require.NoError(t, err)
			c.SetDeadline(time.Now().Add(3 * time.Minute)) // the test stops by itself whatever happens
			wrote, read, sent, got, err := exchange(c, randomStream(size, 100))
			c.Close()
			require.NoError(t, err)
			require.EqualValues(t, size, wrote)
			require.EqualValues(t, size, read, "bytes that came back")
			require.Equal(t, sent, got, "SHA-256 of what came back")
			accepted, spliced := counts()
			if tc.relay {
				require.EqualValues(t, 1, spliced, "relayed in the kernel")
			} else {
				require.Zero(t, accepted, "not relayed")
			}

			stop()
			up.Close()
			leaks.check()
		})
	}
}

// TestHTTPProxyEndToEnd puts an HTTP proxy, decodeHttpRequest →
// encodeHttpRequest → connect → decodeHttpResponse → encodeHttpResponse, in
// front of a net/http server; a net/http client sends requests of every
// shape over one keep-alive connection, and the upstream sees them over one
// connection too.
func TestHTTPProxyEndToEnd(t *testing.T) {
	leaks := netLeakBaseline(t)
	big := pattern(1<<20, 7)
	var upConns atomic.Int32
	up := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		sum := sha256.Sum256(body)
		w.Header().Set("X-Method", r.Method)
		w.Header().Set("X-Path", r.URL.RequestURI())
		w.Header().Set("X-Body-Length", fmt.Sprint(len(body)))
		w.Header().Set("X-Body-Sha256", hex.EncodeToString(sum[:]))
		w.Header().Set("X-Client-Header", r.Header.Get("X-Client-Header"))
		switch r.URL.Path {
		case "/big": // written in pieces, so sent chunked
			w.Header().Set("Content-Type", "application/octet-stream")
			for off := 0; off < len(big); off += 100_000 {
				w.Write(big[off:min(off+100_000, len(big))])
				w.(http.Flusher).Flush()
			}
		case "/missing":
			http.NotFound(w, r)
		case "/upload": // the headers say what arrived
		default:
			fmt.Fprintf(w, "%s %s %q", r.Method, r.URL.RequestURI(), body)
		}
	}))
	up.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			upConns.Add(1)
		}
	}
	up.Start()
	upAddr := strings.TrimPrefix(up.URL, "http://")

	addr, stop := serveListen(t, pipeline.New("http-proxy",
		http1.DecodeRequest(),
		http1.EncodeRequest(nil),
		filter.Connect(upAddr, filter.ConnectOptions{}),
		http1.DecodeResponse(),
		http1.EncodeResponse(nil),
	), nil)

	tr := &http.Transport{MaxConnsPerHost: 1, DisableCompression: true}
	client := &http.Client{Transport: tr, Timeout: time.Minute}
	var newConns atomic.Int32
	trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) {
		if !i.Reused {
			newConns.Add(1)
		}
	}}
	// onlyReader hides the length of a body, so the client sends it chunked.
	type onlyReader struct{ io.Reader }
	upload := pattern(3<<20, 9)
	uploadSum := sha256.Sum256(upload)

	for _, tc := range []struct {
		name, method, path string
		body               io.Reader
		wantStatus         int
		wantBody           []byte // nil: not checked
		check              func(t *testing.T, resp *http.Response)
	}{
		{name: "GET", method: "GET", path: "/hello?x=1", wantStatus: 200, wantBody: []byte(`GET /hello?x=1 ""`)},
		{name: "POST", method: "POST", path: "/form", body: strings.NewReader("a=1&b=2"), wantStatus: 200,
			wantBody: []byte(`POST /form "a=1&b=2"`)},
		{name: "chunked upload", method: "PUT", path: "/upload", body: onlyReader{bytes.NewReader(upload)}, wantStatus: 200,
			check: func(t *testing.T, resp *http.Response) {
				require.Equal(t, fmt.Sprint(len(upload)), resp.Header.Get("X-Body-Length"))
				require.Equal(t, hex.EncodeToString(uploadSum[:]), resp.Header.Get("X-Body-Sha256"))
			}},
		{name: "chunked response", method: "GET", path: "/big", wantStatus: 200, wantBody: big,
			check: func(t *testing.T, resp *http.Response) {
				require.Equal(t, "application/octet-stream", resp.Header.Get("Content-Type"))
			}},
		{name: "HEAD", method: "HEAD", path: "/hello", wantStatus: 200, wantBody: []byte{}},
		{name: "not found", method: "GET", path: "/missing", wantStatus: 404},
		{name: "GET again", method: "GET", path: "/last", wantStatus: 200, wantBody: []byte(`GET /last ""`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, "http://"+addr+tc.path, tc.body)
			require.NoError(t, err)
			req.Header.Set("X-Client-Header", "through the proxy")
			req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
			resp, err := client.Do(req)
			require.NoError(t, err)
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.NoError(t, err)
			require.Equal(t, tc.wantStatus, resp.StatusCode, "body: %.200q", body)
			require.Equal(t, tc.method, resp.Header.Get("X-Method"))
			require.Equal(t, tc.path, resp.Header.Get("X-Path"))
			require.Equal(t, "through the proxy", resp.Header.Get("X-Client-Header"))
			if tc.wantBody != nil {
				require.True(t, bytes.Equal(tc.wantBody, body), "body of %d bytes: %.200q", len(body), body)
			}
			if tc.check != nil {
				tc.check(t, resp)
			}
		})
	}
	require.EqualValues(t, 1, newConns.Load(), "the client kept its connection to the proxy alive")
	require.EqualValues(t, 1, upConns.Load(), "the proxy kept its connection to the upstream alive")

	tr.CloseIdleConnections()
	stop()
	up.Close()
	leaks.check()
}
