package http1

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
)

// Servers on a worker with a manual clock: the listener's default timeouts.

// clockServer serves p on 127.0.0.1:0 on one worker with a manual clock, and
// returns a connection to it and a function that advances the clock,
// letting the worker run what each timer posts.
func clockServer(t *testing.T, p *pipeline.Pipeline, opts ...pipeline.ConnOptions) (c net.Conn, advance func(time.Duration), w *pipeline.Worker) {
	t.Helper()
	clock := pipelinetest.NewClock()
	g := pipeline.NewGroup(1, pipeline.WorkerOptions{Clock: clock, Logger: pipelinetest.TestLogger(t)})
	w = g.Workers()[0]
	started := make(chan struct{})
	signal := &funcFilter{name: "started", new: func(_ *pipeline.Stream, next pipeline.Target) pipeline.Target {
		close(started)
		return next
	}}
	srv := pipeline.NewServer(pipeline.New(p.Name, append([]pipeline.Filter{signal}, p.Filters...)...), g)
	for _, o := range opts {
		srv.Conn = o
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		<-done
		g.Close()
	})
	c, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(20 * time.Second)) // a failing test fails instead of hanging
	barrier := func() {
		ok := make(chan struct{})
		w.Post(func() { close(ok) })
		<-ok
	}
	<-started
	barrier() // the socket has started in the same task: its timer is set
	// The worker may still be finishing the batch whose answer the client
	// has read (it notes the time after writing): a barrier first.
	return c, func(d time.Duration) { barrier(); clock.Advance(d, barrier); barrier() }, w
}

func get(t *testing.T, c net.Conn, r *bufio.Reader, path string) *http.Response {
	t.Helper()
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	io.ReadAll(resp.Body)
	return resp
}

func TestIdleKeepAliveConnectionIsClosed(t *testing.T) {
	c, advance, _ := clockServer(t, pipeline.New("http", DecodeRequest(), responder(echo), EncodeResponse(nil)))
	r := bufio.NewReader(c)
	get(t, c, r, "/1")
	advance(pipeline.DefaultIdleTimeout - time.Second)
	get(t, c, r, "/2") // still open: the idle time starts again
	advance(pipeline.DefaultIdleTimeout - time.Second)
	get(t, c, r, "/3")
	advance(pipeline.DefaultIdleTimeout)
	if n, err := r.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("idle keep-alive connection not closed: read %d, %v", n, err)
	}
}

func TestListenBodyTimeoutReachesTheDecoder(t *testing.T) {
	opts := pipeline.ConnOptions{BodyTimeout: 5 * time.Second}
	seen, got := seenFilter[*event.MessageStart]()
	c, advance, _ := clockServer(t, pipeline.New("http", DecodeRequest(), seen, responder(echo), EncodeResponse(nil)), opts)
	fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\ntrickle")
	<-got
	advance(5 * time.Second)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || resp.StatusCode != 408 {
		t.Fatalf("want a 408 after the listener's body timeout, got %v", err)
	}
}

func TestSlowAnswerIsNotIdle(t *testing.T) {
	hold, release := holding()
	seen, got := seenFilter[*event.MessageEnd]()
	c, advance, w := clockServer(t, pipeline.New("http", DecodeRequest(), seen, hold, responder(echo), EncodeResponse(nil)))
	fmt.Fprintf(c, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
	<-got
	advance(10 * pipeline.DefaultIdleTimeout) // an upstream taking its time
	w.Post(release)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("the request waiting for its answer was cut: %v", err)
	}
}

// seenFilter returns a filter that passes everything on and signals on got
// each time an event of type T passes.
func seenFilter[T event.Event]() (f pipeline.Filter, got chan struct{}) {
	got = make(chan struct{}, 16)
	return &funcFilter{name: "seen", new: func(_ *pipeline.Stream, next pipeline.Target) pipeline.Target {
		return pipeline.TargetFunc(func(evt event.Event) {
			if _, ok := evt.(T); ok {
				got <- struct{}{}
			}
			next.Input(evt)
		})
	}}, got
}

// Graceful stop and reload under load, on the wall clock.

// tagged answers every request with 200, its path and an x-config header.
func tagged(tag string, served *atomic.Int64) pipeline.Filter {
	return responder(func(req *RequestHead, body string) []event.Event {
		served.Add(1)
		return []event.Event{
			&event.MessageStart{Head: &ResponseHead{Status: 200, Headers: Headers{{"x-config", tag}}}},
			event.FromString(req.Path),
			&event.MessageEnd{},
		}
	})
}

// loadClient requests in a loop on one keep-alive connection at a time
// until a request fails, or (if afterMark > 0) until it has made afterMark
// requests after mark was closed; it counts complete answers.
type loadClient struct {
	url      string
	complete int
	err      error
	after    []string // x-config of the requests started after mark was closed
}

func (l *loadClient) run(afterMark int, mark <-chan struct{}, warm *sync.WaitGroup) {
	tr := &http.Transport{MaxIdleConnsPerHost: 1}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	for i := 0; ; i++ {
		if i == 5 {
			warm.Done()
		}
		if afterMark > 0 && len(l.after) == afterMark {
			return
		}
		marked := false
		select {
		case <-mark:
			marked = true
		default:
		}
		path := fmt.Sprintf("/%d", i)
		resp, err := c.Get(l.url + path)
		if err != nil {
			l.err = err
			if i < 5 {
				warm.Done()
			}
			return
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || string(b) != path || resp.StatusCode != 200 {
			l.err = fmt.Errorf("%s: cut answer %d %q: %v", path, resp.StatusCode, b, err)
			return
		}
		l.complete++
		if marked {
			l.after = append(l.after, resp.Header.Get("x-config"))
		}
	}
}

func TestShutdownLetsRequestsInFlightFinish(t *testing.T) {
	check := pipelinetest.LeakCheck(t)
	var served atomic.Int64
	srv := pipeline.NewServer(pipeline.New("http", DecodeRequest(), tagged("1", &served), EncodeResponse(nil)), nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	clients := make([]*loadClient, 50)
	var warm, all sync.WaitGroup
	warm.Add(len(clients))
	never := make(chan struct{})
	for i := range clients {
		clients[i] = &loadClient{url: "http://" + ln.Addr().String()}
		all.Add(1)
		go func() {
			defer all.Done()
			clients[i].run(0, never, &warm)
		}()
	}
	warm.Wait() // every client is requesting in a loop
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown cut connections: %v", err)
	}
	if err := <-done; !errors.Is(err, pipeline.ErrServerClosed) {
		t.Fatalf("Serve: %v", err)
	}
	all.Wait() // each client stops at its first failure: the listener is gone
	total := 0
	for _, c := range clients {
		total += c.complete
		if c.err != nil && strings.Contains(c.err.Error(), "cut answer") {
			t.Error(c.err)
		}
	}
	if int64(total) != served.Load() {
		t.Fatalf("the server answered %d requests, the clients received %d whole", served.Load(), total)
	}
	check()
}

func TestReloadMovesKeepAliveConnectionsToTheNewPipeline(t *testing.T) {
	var served atomic.Int64
	srv := pipeline.NewServer(pipeline.New("v1", DecodeRequest(), tagged("1", &served), EncodeResponse(nil)), nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	defer func() {
		srv.Close()
		<-done
	}()
	clients := make([]*loadClient, 8)
	var warm, all sync.WaitGroup
	warm.Add(len(clients))
	mark := make(chan struct{})
	for i := range clients {
		clients[i] = &loadClient{url: "http://" + ln.Addr().String()}
		all.Add(1)
		go func() {
			defer all.Done()
			clients[i].run(20, mark, &warm)
		}()
	}
	warm.Wait()
	srv.SetPipeline(pipeline.New("v2", DecodeRequest(), tagged("2", &served), EncodeResponse(nil)))
	close(mark) // requests started from now on follow a finished one
	all.Wait()
	for i, c := range clients {
		if c.err != nil {
			t.Errorf("client %d lost a request: %v", i, c.err)
		}
		for j, tag := range c.after {
			if tag != "2" {
				t.Errorf("client %d: request %d after the reload served by config %q", i, j, tag)
			}
		}
	}
}
