package http1_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluice-go/sluice/internal/testnet"

	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
)

// countingUpstream is a net/http server that counts the connections it
// accepted and the requests it saw.
type countingUpstream struct {
	*httptest.Server
	accepted, requests, cancelled atomic.Int32
	closed                        chan struct{} // gets a value when a connection closes
}

func startUpstream(t *testing.T, h func(w http.ResponseWriter, r *http.Request, u *countingUpstream)) *countingUpstream {
	u := &countingUpstream{closed: make(chan struct{}, 1000)}
	u.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.requests.Add(1)
		h(w, r, u)
	}))
	u.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			u.accepted.Add(1)
		case http.StateClosed:
			u.closed <- struct{}{}
		}
	}
	u.Start()
	t.Cleanup(u.Close)
	return u
}

func (u *countingUpstream) addr() string { return strings.TrimPrefix(u.URL, "http://") }

// serveProxy serves decodeHttpRequest → muxHTTP → encodeHttpResponse on
// 127.0.0.1:0 with one worker and returns its address.
func serveProxy(t *testing.T, f pipeline.Filter) string {
	return serveProxyClock(t, f, nil)
}

func serveProxyClock(t *testing.T, f pipeline.Filter, clock pipeline.Clock) string {
	g := pipeline.NewGroup(1, pipeline.WorkerOptions{Clock: clock})
	t.Cleanup(g.Close) // after the server has closed
	srv := pipeline.NewServer(pipeline.New("proxy", http1.DecodeRequest(), f, http1.EncodeResponse(nil)), g)
	return testnet.ServeOn(t, srv, pipeline.ErrServerClosed)
}

// get sends n GETs over conns client connections at once; each answer must
// be the handler's: "answer to <path>".
func get(t *testing.T, addr string, n, conns int, path func(i int) string) {
	tr := &http.Transport{MaxConnsPerHost: conns, MaxIdleConnsPerHost: conns}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := path(i)
			resp, err := c.Get("http://" + addr + p)
			if err == nil {
				var body []byte
				body, err = io.ReadAll(resp.Body)
				resp.Body.Close()
				if err == nil && string(body) != "answer to "+p {
					err = fmt.Errorf("%s: %d %q", p, resp.StatusCode, body)
				}
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func answerPath(w http.ResponseWriter, r *http.Request, _ *countingUpstream) {
	io.WriteString(w, "answer to "+r.URL.Path)
}

func TestMuxHTTPBoundsUpstreamConnections(t *testing.T) {
	up := startUpstream(t, answerPath)
	addr := serveProxy(t, http1.MuxHTTP(up.addr(), http1.MuxHTTPOptions{MaxConns: 8}))
	get(t, addr, 1000, 50, func(i int) string { return fmt.Sprintf("/r%d", i) })
	if got := up.requests.Load(); got != 1000 {
		t.Fatalf("every request reached the upstream once: got %v, want %v", got, 1000)
	}
	if x, y := up.accepted.Load(), int32(8); !(x <= y) {
		t.Fatalf("at most MaxConns upstream connections: %v is more than %v", x, y)
	}
}

func TestMuxHTTPDoesNotCancelUpstream(t *testing.T) {
	up := startUpstream(t, func(w http.ResponseWriter, r *http.Request, u *countingUpstream) {
		select {
		case <-time.After(300 * time.Millisecond):
			io.WriteString(w, "answer to "+r.URL.Path)
		case <-r.Context().Done():
			u.cancelled.Add(1)
		}
	})
	addr := serveProxy(t, http1.MuxHTTP(up.addr(), http1.MuxHTTPOptions{}))
	get(t, addr, 40, 10, func(i int) string { return fmt.Sprintf("/r%d", i) })
	if got := up.cancelled.Load(); got != 0 {
		t.Fatalf("got %v, want 0", got)
	}
}

// TestMuxHTTPSlowAnswerDelaysNobodyElse: one request is held by the
// upstream until every other one has been answered.
func TestMuxHTTPSlowAnswerDelaysNobodyElse(t *testing.T) {
	release := make(chan struct{})
	up := startUpstream(t, func(w http.ResponseWriter, r *http.Request, u *countingUpstream) {
		if r.URL.Path == "/slow" {
			<-release
		}
		io.WriteString(w, "answer to "+r.URL.Path)
	})
	addr := serveProxy(t, http1.MuxHTTP(up.addr(), http1.MuxHTTPOptions{MaxConns: 4}))
	slow := make(chan error, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/slow")
		if err == nil {
			resp.Body.Close()
		}
		slow <- err
	}()
	get(t, addr, 100, 5, func(i int) string { return fmt.Sprintf("/fast%d", i) })
	close(release)
	if err := <-slow; err != nil {
		t.Fatal(err)
	}
}

// rawUpstream answers each request it reads (head only, GET) with a fixed
// answer, closing after each answer when closeAfter; it counts requests.
func rawUpstream(t *testing.T, answer string, closeAfter bool, seen *atomic.Int32) string {
	return testnet.Serve(t, func(c *net.TCPConn) {
		br := bufio.NewReader(c)
		for {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			io.Copy(io.Discard, req.Body)
			seen.Add(1)
			if _, err := io.WriteString(c, answer); err != nil || closeAfter {
				return
			}
		}
	}).Addr()
}

func TestMuxHTTPUpstreamClosesAfterEachAnswer(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer string
	}{
		{"silently", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
		{"connection close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var seen atomic.Int32
			up := rawUpstream(t, tc.answer, true, &seen)
			addr := serveProxy(t, http1.MuxHTTP(up, http1.MuxHTTPOptions{MaxConns: 4}))
			const n = 200
			tr := &http.Transport{MaxConnsPerHost: 10}
			defer tr.CloseIdleConnections()
			c := &http.Client{Transport: tr, Timeout: 30 * time.Second}
			var wg sync.WaitGroup
			var bad atomic.Int32
			for range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					resp, err := c.Get("http://" + addr + "/")
					if err != nil {
						t.Log(err)
						bad.Add(1)
						return
					}
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 || string(b) != "ok" {
						t.Log(resp.StatusCode, string(b))
						bad.Add(1)
					}
				}()
			}
			wg.Wait()
			if got := bad.Load(); got != 0 {
				t.Fatalf("no request lost: got %v, want 0", got)
			}
			if got := seen.Load(); got != n {
				t.Fatalf("no request sent twice: got %v, want %v", got, n)
			}
		})
	}
}

// TestMuxHTTPNeverRetriesPOST: a POST whose upstream dies before answering
// gets a 502 and reaches the upstream once.
func TestMuxHTTPNeverRetriesPOST(t *testing.T) {
	var seen atomic.Int32
	up := rawUpstream(t, "", true, &seen) // reads the request, closes without a word
	addr := serveProxy(t, http1.MuxHTTP(up, http1.MuxHTTPOptions{}))
	resp, err := http.Post("http://"+addr+"/", "text/plain", strings.NewReader("pay once"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if got := resp.StatusCode; got != 502 {
		t.Fatalf("%s: got %v, want %v", b, got, 502)
	}
	if got := seen.Load(); got != 1 {
		t.Fatalf("got %v, want %v", got, 1)
	}
}

// TestMuxHTTPUpstreamDiesMidAnswer: the client sees the cut answer and a
// close, never a hang.
func TestMuxHTTPUpstreamDiesMidAnswer(t *testing.T) {
	var seen atomic.Int32
	up := rawUpstream(t, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial", true, &seen)
	addr := serveProxy(t, http1.MuxHTTP(up, http1.MuxHTTPOptions{}))
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("closed, not reset or hung: %v", err)
	}
	// The encoder holds a head until it can frame the body, so the client
	// gets the 500 naming the cut rather than a cut 200; either way an
	// answer and a close.
	if !strings.HasPrefix(string(got), "HTTP/1.1 ") {
		t.Fatalf("got %q, want an HTTP/1.1 answer", got)
	}
}

func TestMuxHTTPRefusedAnswers503(t *testing.T) {
	// Port 1 on loopback: nothing listens there (a port closed by the test
	// itself could be taken by another test's listener meanwhile).
	addr := serveProxy(t, http1.MuxHTTP("127.0.0.1:1", http1.MuxHTTPOptions{}))
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.StatusCode; got != 503 {
		t.Fatalf("got %v, want %v", got, 503)
	}
}

// TestMuxHTTPPipelined: 5,000 requests pipelined on one client connection
// are answered in order over at most MaxInFlight upstream connections.
func TestMuxHTTPPipelined(t *testing.T) {
	up := startUpstream(t, answerPath)
	addr := serveProxy(t, http1.MuxHTTP(up.addr(), http1.MuxHTTPOptions{MaxInFlight: 4}))
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(60 * time.Second))
	const n = 5000
	go func() {
		w := bufio.NewWriter(c)
		for i := range n {
			fmt.Fprintf(w, "GET /p%d HTTP/1.1\r\nHost: x\r\n\r\n", i)
		}
		w.Flush()
	}()
	br := bufio.NewReader(c)
	for i := range n {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("answer %d: %v", i, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if got := string(b); got != fmt.Sprintf("answer to /p%d", i) {
			t.Fatalf("got %v, want %v", got, fmt.Sprintf("answer to /p%d", i))
		}
	}
	if x, y := up.accepted.Load(), int32(4); !(x <= y) {
		t.Fatalf("%v is more than %v", x, y)
	}
}

// TestMuxHTTPIdleTimeout: an unused pooled connection is closed after
// IdleTimeout on the worker's clock, not before.
func TestMuxHTTPIdleTimeout(t *testing.T) {
	up := startUpstream(t, answerPath)
	clock := pipelinetest.NewClock()
	addr := serveProxyClock(t, http1.MuxHTTP(up.addr(), http1.MuxHTTPOptions{IdleTimeout: 30 * time.Second}), clock)
	get(t, addr, 1, 1, func(int) string { return "/once" })
	clock.Advance(30*time.Second-time.Nanosecond, nil)
	// A second request reuses the connection: it was not closed early.
	get(t, addr, 1, 1, func(int) string { return "/twice" })
	if got := up.accepted.Load(); got != 1 {
		t.Fatalf("got %v, want %v", got, 1)
	}
	if n := len(up.closed); n != 0 {
		t.Fatalf("%d upstream connections closed, want none", n)
	}
	// The sweep runs on the worker, posted by the clock: advance a second at
	// a time until the upstream sees its connection closed.
	deadline := time.After(10 * time.Second)
	for {
		clock.Advance(time.Second, nil)
		select {
		case <-up.closed:
			if x, y := clock.Now().Sub(pipelinetest.Epoch), 60*time.Second-time.Nanosecond; !(x >= y) {
				t.Fatalf("not before IdleTimeout: %v is less than %v", x, y)
			}
			return
		case <-deadline:
			t.Fatal("the idle connection was not closed")
		case <-time.After(5 * time.Millisecond):
		}
	}
}
