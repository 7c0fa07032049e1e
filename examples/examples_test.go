// Tests for the JavaScript examples: each one is loaded the way
// `sluice examples/X/main.js` loads it, listens on a port of its own on
// loopback, and is checked with a real HTTP or TCP client against upstreams
// the test starts. Nothing sleeps: time-based behaviour (throttling, batch
// flushing) runs on a manual clock that the test advances.
package examples_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"github.com/sluice-go/sluice/internal/testnet"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/sluice-go/sluice/script"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ioTimeout bounds every network exchange of the tests, so that a broken
// example fails instead of hanging.
const ioTimeout = 10 * time.Second

// --- running an example ------------------------------------------------------

// program is an example running on one worker (as `sluice` runs a script).
type program struct {
	addr  string // where its listen pipeline listens
	pr    *pipeline.Program
	group *pipeline.Group
	clock *testClock // nil: the wall clock
}

// start loads examples/<dir>/main.js (or the main.js of the directory dir),
// makes its listen pipeline listen on 127.0.0.1 with a port of its own, and
// starts it. clock, if not nil, is the worker's clock. The program is closed
// when the test ends, before the cleanups registered earlier run.
func start(t *testing.T, dir string, clock *testClock) *program {
	t.Helper()
	return startWith(t, dir, startOptions{clock: clock})
}

// startOptions are the options of startWith.
type startOptions struct {
	clock *testClock // nil: the wall clock
	// keep are ports that listen pipelines keep: an example that connects
	// to a service of its own script listens there on a port the test has
	// chosen with freePort and given to the script through the environment.
	keep []string
	// logs, if not nil, gets the message of every line the program logs.
	logs chan<- string
}

// startWith is start with options. Besides the listen pipelines on the
// ports of opts.keep, the example listens on one port, its front, whose
// address p.addr is.
func startWith(t *testing.T, dir string, opts startOptions) *program {
	t.Helper()
	clock, keep := opts.clock, opts.keep
	logger := pipelinetest.TestLogger(t)
	if opts.logs != nil {
		logger = slog.New(teeHandler{logger.Handler(), opts.logs})
	}
	m, err := script.Load(filepath.Join(dir, "main.js"), script.Options{ListenHost: "127.0.0.1", Logger: logger})
	require.NoError(t, err)
	// script.Options can set the host of listen(port) but not the port, so
	// the examples' fixed ports are replaced here, before anything runs (a
	// pipeline's fields may change until it has started a stream).
	var listens, kept int
	for _, p := range m.Pipelines {
		if p.Kind != pipeline.Listen {
			continue
		}
		if _, port, _ := net.SplitHostPort(p.Addr); slices.Contains(keep, port) {
			kept++
			continue
		}
		p.Addr = "127.0.0.1:0"
		listens++
	}
	require.Equal(t, len(keep), kept, "listen pipelines on the kept ports")
	require.Equal(t, 1, listens, "the examples listen on one port each, besides the kept ones")
	wopts := pipeline.WorkerOptions{Logger: logger}
	if clock != nil {
		wopts.Clock = clock
	}
	p := &program{group: pipeline.NewGroup(1, wopts), clock: clock}
	p.pr, err = pipeline.Start(m, pipeline.StartOptions{Group: p.group})
	if err != nil {
		p.group.Close()
		require.NoError(t, err)
	}
	p.addr = p.pr.Addr("127.0.0.1:0").String()
	t.Cleanup(p.close)
	return p
}

// teeHandler is a slog handler that also sends each record's message to a
// channel, if it has room (the test gives it enough).
type teeHandler struct {
	slog.Handler
	msgs chan<- string
}

func (h teeHandler) Handle(ctx context.Context, r slog.Record) error {
	select {
	case h.msgs <- r.Message:
	default:
	}
	return h.Handler.Handle(ctx, r)
}

func (h teeHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return teeHandler{h.Handler.WithAttrs(attrs), h.msgs}
}

func (h teeHandler) WithGroup(name string) slog.Handler {
	return teeHandler{h.Handler.WithGroup(name), h.msgs}
}

// close closes the program's listener, connections and tasks, then its
// worker. On a manual clock it first lets the streams that outlive
// connections expire (the shared streams of mux close after an idle period),
// so that nothing the program opened is left behind.
func (p *program) close() {
	p.pr.Close()
	if p.clock != nil {
		p.sync()
		p.clock.Advance(time.Minute, nil)
		p.sync()
	}
	p.group.Close()
}

// sync returns once the worker has run everything queued before the call.
func (p *program) sync() {
	done := make(chan struct{})
	p.group.Workers()[0].Post(func() { close(done) })
	<-done
}

// url returns the program's URL for path.
func (p *program) url(path string) string { return "http://" + p.addr + path }

// leakCheck fails the test if goroutines of sluice or file descriptors are
// left once everything else has been cleaned up. Call it first.
func leakCheck(t *testing.T) {
	t.Cleanup(pipelinetest.LeakCheck(t))
}

// testClock is a manual clock that also tells the test which timers have
// been set, so that the test can advance time once the program is waiting.
type testClock struct {
	*pipelinetest.Clock
	mu      sync.Mutex
	set     []time.Duration // every timer set so far
	changed chan struct{}   // closed and remade when a timer is set
}

func newTestClock() *testClock {
	return &testClock{Clock: pipelinetest.NewClock(), changed: make(chan struct{})}
}

// AfterFunc implements pipeline.Clock.
func (c *testClock) AfterFunc(d time.Duration, f func()) pipeline.Timer {
	tm := c.Clock.AfterFunc(d, f)
	c.mu.Lock()
	c.set = append(c.set, d)
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
	return tm
}

// waitTimer returns once a timer whose duration satisfies match has been set.
func (c *testClock) waitTimer(t *testing.T, what string, match func(time.Duration) bool) {
	t.Helper()
	deadline := time.After(ioTimeout)
	for {
		c.mu.Lock()
		found := slices.ContainsFunc(c.set, match)
		changed := c.changed
		c.mu.Unlock()
		if found {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("no timer for %s was set", what)
		}
	}
}

// --- clients and upstreams -----------------------------------------------------

// httpClient returns a client of its own (its idle connections are closed
// when the test ends) that leaves Accept-Encoding alone.
func httpClient(t *testing.T, tlsConfig *tls.Config) *http.Client {
	tr := &http.Transport{TLSClientConfig: tlsConfig, DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: ioTimeout}
}

// get sends a GET for url with the given headers and returns the response
// and its body.
func get(t *testing.T, c *http.Client, url string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(body)
}

// dial connects to addr with a deadline for everything that follows.
func dial(t *testing.T, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(ioTimeout))
	return c.(*net.TCPConn)
}

// exchange sends msg over a new connection to addr, closes its sending side
// and returns all that comes back until the program closes the connection.
func exchange(t *testing.T, addr, msg string) string {
	t.Helper()
	got, err := tryExchange(addr, msg)
	require.NoError(t, err)
	return got
}

// tryExchange is exchange for goroutines other than the test's.
func tryExchange(addr, msg string) (string, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(ioTimeout))
	if _, err := io.WriteString(c, msg); err != nil {
		return "", err
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		return "", err
	}
	b, err := io.ReadAll(c)
	return string(b), err
}

// rawGet sends a GET for path (sent exactly as given) over a new connection
// and reads the response.
func rawGet(t *testing.T, addr, path string) (*net.TCPConn, *http.Response, string) {
	t.Helper()
	c := dial(t, addr)
	_, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: test\r\n\r\n", path)
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	resp.Body.Close()
	return c, resp, string(body)
}

// httpUpstream starts an HTTP server on loopback, closed when the test ends.
func httpUpstream(t *testing.T, h http.HandlerFunc) *httptest.Server {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// hostOf returns the host:port of a test server's URL.
func hostOf(srv *httptest.Server) string {
	return strings.TrimPrefix(strings.TrimPrefix(srv.URL, "http://"), "https://")
}

// tcpUpstream starts a TCP server on loopback that answers each connection
// with name + ":" followed by an echo of what it receives, and closes it when
// the client has finished sending. It is stopped when the test ends.
func tcpUpstream(t *testing.T, name string) string {
	return testnet.Serve(t, func(c *net.TCPConn) {
		c.SetDeadline(time.Now().Add(ioTimeout))
		io.WriteString(c, name+":")
		io.Copy(c, c)
	}).Addr()
}

// freePort returns a port on loopback that nothing listens on, for an
// example to listen on when it must know the port beforehand (it connects to
// itself). Another process could take it before the example does.
func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	_, port, err := net.SplitHostPort(ln.Addr().String())
	require.NoError(t, err)
	ln.Close()
	return port
}

// closedPort returns a loopback address that refuses connections.
func closedPort(t *testing.T) string { return testnet.RefusedAddr(t) }

// --- every example loads --------------------------------------------------------

// examples returns the directories of the JavaScript examples.
func examples(t *testing.T) []string {
	files, err := filepath.Glob("*/main.js")
	require.NoError(t, err)
	var dirs []string
	for _, f := range files {
		dirs = append(dirs, filepath.Dir(f))
	}
	require.NotEmpty(t, dirs)
	return dirs
}

// TestVerify loads every examples/*/main.js as `sluice --verify` does, so
// that none of them rots, and checks that each has a README.md whose first
// line tells how to run it and talk to it.
func TestVerify(t *testing.T) {
	certFile, keyFile := testnet.NewCert(t, "sluice example").Files(t)
	t.Setenv("TLS_CERT", certFile) // examples/tls needs a certificate to load
	t.Setenv("TLS_KEY", keyFile)
	for _, dir := range examples(t) {
		t.Run(dir, func(t *testing.T) {
			if dir == "rewrite-proxy" {
			}
			m, err := script.Load(filepath.Join(dir, "main.js"), script.Options{Logger: pipelinetest.TestLogger(t)})
			require.NoError(t, err)
			require.NoError(t, m.Build())
			assert.NotEmpty(t, m.Pipelines)

			readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
			require.NoError(t, err)
			first, _, _ := strings.Cut(string(readme), "\n")
			assert.Contains(t, first, "go run ./cmd/sluice examples/"+dir+"/main.js", "first line of %s/README.md", dir)
			assert.Regexp(t, `\b(curl|nc)\b`, first, "first line of %s/README.md", dir)
		})
	}
}

// --- the examples ----------------------------------------------------------------

// TestHello: every request gets the greeting.
func TestHello(t *testing.T) {
	leakCheck(t)
	p := start(t, "hello", nil)
	c := httpClient(t, nil)
	for _, path := range []string{"/", "/any/path?x=1"} {
		resp, body := get(t, c, p.url(path))
		assert.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, "Hello, World!\n", body)
	}
}

// TestTCPEcho: what a client sends comes back unchanged, a small message as
// well as a megabyte written while the answer is being read.
func TestTCPEcho(t *testing.T) {
	leakCheck(t)
	p := start(t, "tcp-echo", nil)
	assert.Equal(t, "hello\n", exchange(t, p.addr, "hello\n"))

	big := make([]byte, 1<<20)
	rand.Read(big)
	c := dial(t, p.addr)
	sent := make(chan error, 1)
	go func() {
		_, err := c.Write(big)
		if err == nil {
			err = c.CloseWrite()
		}
		sent <- err
	}()
	got, err := io.ReadAll(c)
	require.NoError(t, err)
	require.NoError(t, <-sent)
	assert.True(t, bytes.Equal(big, got), "echoed %d bytes of %d, equal: false", len(got), len(big))
}

// TestHelloIP: the greeting names the client's own address and port.
func TestHelloIP(t *testing.T) {
	leakCheck(t)
	p := start(t, "hello-ip", nil)
	for range 2 {
		c, resp, body := rawGet(t, p.addr, "/")
		assert.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, "text/plain", resp.Header.Get("Content-Type"))
		assert.Equal(t, "Hello, "+c.LocalAddr().String()+"!\n", body)
		c.Close()
	}
}

// TestRouter: requests go to the upstream their path routes to, with
// X-Forwarded-For added; unrouted paths get 404; a refused upstream 503.
func TestRouter(t *testing.T) {
	leakCheck(t)
	upstream := func(name string) *httptest.Server {
		return httpUpstream(t, func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "%s %s %s xff=%s", name, r.Method, r.URL.RequestURI(), r.Header.Get("X-Forwarded-For"))
		})
	}
	t.Setenv("UPSTREAM_API", hostOf(upstream("api")))
	t.Setenv("UPSTREAM_WEB", hostOf(upstream("web")))
	p := start(t, "router", nil)
	c := httpClient(t, nil)
	for path, want := range map[string]string{
		"/api/users?id=7": "api GET /api/users?id=7 xff=127.0.0.1",
		"/api":            "api GET /api xff=127.0.0.1",
		"/web/index.html": "web GET /web/index.html xff=127.0.0.1",
		"/":               "web GET / xff=127.0.0.1",
	} {
		resp, body := get(t, c, p.url(path))
		assert.Equal(t, 200, resp.StatusCode, path)
		assert.Equal(t, want, body, path)
	}
	for _, path := range []string{"/apix", "/other/page"} {
		resp, body := get(t, c, p.url(path))
		assert.Equal(t, 404, resp.StatusCode, path)
		assert.Equal(t, "No route\n", body, path)
	}

	t.Run("refused", func(t *testing.T) {
		t.Setenv("UPSTREAM_API", closedPort(t))
		p := start(t, "router", nil)
		resp, _ := get(t, httpClient(t, nil), p.url("/api/users"))
		assert.Equal(t, 503, resp.StatusCode)
	})
}

// TestTCPLB: connections alternate between the two upstreams, and each gets
// its whole echo back.
func TestTCPLB(t *testing.T) {
	leakCheck(t)
	t.Setenv("UPSTREAMS", tcpUpstream(t, "a")+", "+tcpUpstream(t, "b"))
	p := start(t, "tcp-lb", nil)
	var seen []string
	for i := range 6 {
		msg := fmt.Sprintf("message %d", i)
		name, echo, ok := strings.Cut(exchange(t, p.addr, msg), ":")
		require.True(t, ok)
		assert.Equal(t, msg, echo)
		seen = append(seen, name)
	}
	for i := 1; i < len(seen); i++ {
		assert.NotEqual(t, seen[i-1], seen[i], "round robin: %v", seen)
	}
	assert.ElementsMatch(t, []string{"a", "a", "a", "b", "b", "b"}, seen)
}

// TestMetrics: forwarded requests are counted by path (without the query)
// and status, and /metrics lists the counts in Prometheus' text format.
func TestMetrics(t *testing.T) {
	leakCheck(t)
	up := httpUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintf(w, "upstream %s", r.URL.Path)
	})
	t.Setenv("UPSTREAM", hostOf(up))
	p := start(t, "metrics", nil)
	c := httpClient(t, nil)

	resp, body := get(t, c, p.url("/metrics"))
	assert.Equal(t, 200, resp.StatusCode)
	assert.NotContains(t, body, "sluice_requests_total{")

	for _, path := range []string{"/hello", "/hello?x=1", "/missing", "/hello"} {
		resp, _ := get(t, c, p.url(path))
		want := 200
		if path == "/missing" {
			want = 404
		}
		assert.Equal(t, want, resp.StatusCode, path)
	}
	// A path with characters that label values escape.
	conn, resp, _ := rawGet(t, p.addr, `/a"b\c`)
	assert.Equal(t, 200, resp.StatusCode)
	conn.Close()
	resp, body = get(t, c, p.url("/metrics"))
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "text/plain; version=0.0.4", resp.Header.Get("Content-Type"))
	assert.Equal(t, `# HELP sluice_requests_total Requests forwarded, by path and response status.
# TYPE sluice_requests_total counter
sluice_requests_total{path="/a\"b\\c",status="200"} 1
sluice_requests_total{path="/hello",status="200"} 3
sluice_requests_total{path="/missing",status="404"} 1
`, body)
}

// logRecord is a line the logging example sends to its collector.
type logRecord struct {
	Time          string `json:"time"`
	Method        string `json:"method"`
	Path          string `json:"path"`
	UserAgent     string `json:"userAgent"`
	RemoteAddress string `json:"remoteAddress"`
	Status        int    `json:"status"`
	ResponseSize  int    `json:"responseSize"`
}

// TestLogging: requests are proxied; their records reach the collector in
// one POST per LOG_BATCH_SIZE records, and a partial batch is sent when the
// 5-second flush comes.
func TestLogging(t *testing.T) {
	leakCheck(t)
	up := httpUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s", r.URL.Path)
	})
	type post struct {
		path, contentType string
		records           []logRecord
		err               error
	}
	posts := make(chan post, 10)
	collector := httpUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		p := post{path: r.URL.Path, contentType: r.Header.Get("Content-Type")}
		dec := json.NewDecoder(r.Body)
		for dec.More() {
			var rec logRecord
			if p.err = dec.Decode(&rec); p.err != nil {
				break
			}
			p.records = append(p.records, rec)
		}
		posts <- p
	})
	t.Setenv("UPSTREAM", hostOf(up))
	t.Setenv("LOG_URL", collector.URL+"/collect")
	t.Setenv("LOG_BATCH_SIZE", "3")
	clock := newTestClock()
	p := start(t, "logging", clock)
	c := httpClient(t, nil)

	receive := func() post {
		t.Helper()
		select {
		case p := <-posts:
			require.NoError(t, p.err)
			assert.Equal(t, "/collect", p.path)
			assert.Equal(t, "application/x-ndjson", p.contentType)
			return p
		case <-time.After(ioTimeout):
			t.Fatal("no batch of log records came")
			return post{}
		}
	}
	for i := range 4 {
		resp, body := get(t, c, p.url(fmt.Sprintf("/page/%d", i)), "User-Agent", "tester")
		assert.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, fmt.Sprintf("hello /page/%d", i), body)
	}
	batch := receive()
	require.Len(t, batch.records, 3)
	for i, rec := range batch.records {
		assert.Equal(t, "GET", rec.Method)
		assert.Equal(t, fmt.Sprintf("/page/%d", i), rec.Path)
		assert.Equal(t, "tester", rec.UserAgent)
		assert.Equal(t, "127.0.0.1", rec.RemoteAddress)
		assert.Equal(t, 200, rec.Status)
		assert.Equal(t, len("hello /page/0"), rec.ResponseSize)
		_, err := time.Parse(time.RFC3339, rec.Time)
		assert.NoError(t, err, rec.Time)
	}
	select {
	case p := <-posts:
		t.Fatalf("the fourth record was sent before the flush: %+v", p)
	default:
	}

	// The flush task runs every 5 s: the fourth record goes then.
	clock.Advance(5*time.Second, nil)
	batch = receive()
	require.Len(t, batch.records, 1)
	assert.Equal(t, "/page/3", batch.records[0].Path)

	t.Run("collector down", func(t *testing.T) {
		// Records that cannot be sent do not disturb the traffic.
		t.Setenv("LOG_URL", "http://"+closedPort(t)+"/collect")
		t.Setenv("LOG_BATCH_SIZE", "1")
		p := start(t, "logging", newTestClock())
		c := httpClient(t, nil)
		for i := range 3 {
			resp, body := get(t, c, p.url(fmt.Sprintf("/page/%d", i)))
			assert.Equal(t, 200, resp.StatusCode)
			assert.Equal(t, fmt.Sprintf("hello /page/%d", i), body)
		}
	})
}

// TestThrottle: with RATE_LIMIT=2 the first two requests are answered at
// once; the third, on another connection, waits until half a second has
// passed on the program's clock.
func TestThrottle(t *testing.T) {
	leakCheck(t)
	t.Setenv("RATE_LIMIT", "2")
	clock := newTestClock()
	p := start(t, "throttle", clock)

	a := dial(t, p.addr)
	ra := bufio.NewReader(a)
	for i := 1; i <= 2; i++ {
		_, err := io.WriteString(a, "GET / HTTP/1.1\r\nHost: test\r\n\r\n")
		require.NoError(t, err)
		resp, err := http.ReadResponse(ra, nil)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		assert.Equal(t, 200, resp.StatusCode)
		assert.Contains(t, string(body), fmt.Sprintf("request %d on this connection", i))
	}

	b := dial(t, p.addr)
	_, err := io.WriteString(b, "GET / HTTP/1.1\r\nHost: test\r\n\r\n")
	require.NoError(t, err)
	clock.waitTimer(t, "the throttled request", func(d time.Duration) bool { return d > 0 && d <= time.Second })
	// The request waits for the clock: nothing can have been answered.
	b.SetReadDeadline(time.Now())
	n, err := b.Read(make([]byte, 1))
	assert.Zero(t, n)
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	assert.True(t, ne.Timeout())
	b.SetReadDeadline(time.Now().Add(ioTimeout))

	clock.Advance(500*time.Millisecond, nil)
	resp, err := http.ReadResponse(bufio.NewReader(b), nil)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Contains(t, string(body), "request 1 on this connection")
}

// TestTLS: a client that trusts the example's certificate talks HTTPS to it;
// the upstream, which requires a client certificate, sees the example's.
func TestTLS(t *testing.T) {
	leakCheck(t)
	cert := testnet.NewCert(t, "sluice example")
	certFile, keyFile := cert.Files(t)
	pool := cert.Pool
	up := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		peer := "none"
		if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
			peer = r.TLS.PeerCertificates[0].Subject.CommonName
		}
		fmt.Fprintf(w, "upstream %s, client certificate: %s", r.URL.Path, peer)
	}))
	up.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
	up.StartTLS()
	t.Cleanup(up.Close)
	t.Setenv("TLS_CERT", certFile)
	t.Setenv("TLS_KEY", keyFile)
	t.Setenv("UPSTREAM", hostOf(up))
	upCA := filepath.Join(t.TempDir(), "upstream-ca.pem")
	require.NoError(t, os.WriteFile(upCA, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: up.Certificate().Raw}), 0o600))
	t.Setenv("UPSTREAM_CA", upCA) // httptest's own certificate, valid for 127.0.0.1
	p := start(t, "tls", nil)

	c := httpClient(t, &tls.Config{RootCAs: pool})
	for range 2 {
		resp, body := get(t, c, "https://"+p.addr+"/secret")
		assert.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, "upstream /secret, client certificate: sluice example", body)
		require.NotNil(t, resp.TLS)
		assert.Equal(t, "sluice example", resp.TLS.PeerCertificates[0].Subject.CommonName)
	}

	// Plain text is not accepted.
	_, err := httpClient(t, nil).Get(p.url("/"))
	assert.Error(t, err)
}

// TestExec: each connection has a process of its own, which upper-cases
// what the client sends; the connection ends when the process exits.
func TestExec(t *testing.T) {
	for _, cmd := range []string{"sh", "tr"} {
		if _, err := exec.LookPath(cmd); err != nil {
			t.Skipf("%s is not installed", cmd)
		}
	}
	leakCheck(t)
	p := start(t, "exec", nil)
	answer := regexp.MustCompile(`^process (\d+)\n(.*)$`)
	var pids []string
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() {
			msg := fmt.Sprintf("hello %d from a client", i)
			got, err := tryExchange(p.addr, msg)
			assert.NoError(t, err)
			m := answer.FindStringSubmatch(got)
			if assert.NotNil(t, m, "answer %q", got) {
				assert.Equal(t, strings.ToUpper(msg), m[2])
				mu.Lock()
				pids = append(pids, m[1])
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(pids)
	assert.Len(t, slices.Compact(pids), 3, "one process per connection")
}

// TestStatic: files of www/ are served with their content type; clients that
// accept gzip get the pre-compressed variant; a file that exists only
// compressed is decompressed for the others; "/" serves index.html; missing
// files and paths that climb out of www/ get 404; files are cached.
func TestStatic(t *testing.T) {
	leakCheck(t)
	// Run a copy, so that the test can change a file behind the cache.
	dir := t.TempDir()
	require.NoError(t, os.CopyFS(dir, os.DirFS("static")))
	p := start(t, dir, nil)
	c := httpClient(t, nil)
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("static", "www", name))
		require.NoError(t, err)
		return string(b)
	}
	gunzip := func(s string) string {
		zr, err := gzip.NewReader(strings.NewReader(s))
		require.NoError(t, err)
		b, err := io.ReadAll(zr)
		require.NoError(t, err)
		return string(b)
	}

	resp, body := get(t, c, p.url("/"))
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "text/html", resp.Header.Get("Content-Type"))
	assert.Equal(t, read("index.html"), body)

	resp, body = get(t, c, p.url("/css/style.css?v=1"))
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "text/css", resp.Header.Get("Content-Type"))
	assert.Empty(t, resp.Header.Get("Content-Encoding"))
	assert.Equal(t, read("css/style.css"), body)

	resp, body = get(t, c, p.url("/css/style.css"), "Accept-Encoding", "br;q=1, gzip;q=0.5")
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
	assert.Equal(t, read("css/style.css.gz"), body)
	assert.Equal(t, read("css/style.css"), gunzip(body))

	resp, body = get(t, c, p.url("/app.js"))
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "application/javascript", resp.Header.Get("Content-Type"))
	assert.Empty(t, resp.Header.Get("Content-Encoding"))
	assert.Equal(t, gunzip(read("app.js.gz")), body)
	assert.Contains(t, body, "document.querySelector")

	resp, body = get(t, c, p.url("/app.js"), "Accept-Encoding", "gzip")
	assert.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
	assert.Equal(t, read("app.js.gz"), body)

	for _, path := range []string{"/missing.html", "/css/", "/css/../missing.js", "/%2e/missing.js"} {
		c, resp, body := rawGet(t, p.addr, path)
		assert.Equal(t, 404, resp.StatusCode, path)
		assert.Equal(t, "Not found\n", body, path)
		c.Close()
	}
	// A path above the root never reaches the script: decodeHttpRequest
	// refuses it, as nginx does.
	for _, path := range []string{"/../main.js", "/css/../../main.js", "/css/%2e%2e/%2E%2E/main.js"} {
		c, resp, _ := rawGet(t, p.addr, path)
		assert.Equal(t, 400, resp.StatusCode, path)
		c.Close()
	}

	// The file was read once: a change on disk is not seen, while a file
	// not asked for before is read when first asked for.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "www", "index.html"), []byte("changed"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "www", "new.txt"), []byte("new"), 0o644))
	_, body = get(t, c, p.url("/"))
	assert.Equal(t, read("index.html"), body)
	resp, body = get(t, c, p.url("/new.txt"))
	assert.Equal(t, "text/plain", resp.Header.Get("Content-Type"))
	assert.Equal(t, "new", body)
}
