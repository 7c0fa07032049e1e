package pipeline

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluice-go/sluice/event"
)

// Server runs a pipeline for every connection it is given, the way
// net/http.Server runs a handler: Serve accepts from a listener the host made
// (TCP, TLS, unix socket, an in-memory listener), ServeConn takes a single
// connection. Each connection is bound to one worker of Group for life; the
// bytes it sends go into a stream of Pipeline as Data events, and the Data
// that comes out of the stream is written back. (The stream's filters may
// hand the connection to the kernel: see Stream.Inbound and Outbound.Relay.
// The server does not see it: the connection's Socket ends as usual.)
//
// A Server is safe for concurrent use. Its fields must not change once it
// serves.
type Server struct {
	// Pipeline is run for each connection.
	Pipeline *Pipeline
	// Group runs the streams. When nil, the server makes a group of
	// GOMAXPROCS workers on first use and closes it with the server.
	Group *Group
	// Conn bounds each connection's queues and sets its timeouts; the zero
	// value means the defaults. The pipeline's ListenOptions.Conn is used when
	// this is the zero value.
	Conn ConnOptions
	// TLS, when not nil, makes the server terminate TLS on each connection.
	TLS *tls.Config
	// MaxConns limits how many connections are served at once: at the limit,
	// Serve stops accepting until a connection closes (a server serving
	// several listeners may pass it by one connection per extra listener).
	// Zero means the pipeline's ListenOptions.MaxConnections (zero there: no
	// limit).
	MaxConns int

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[*serverConn]struct{}
	ownGroup  bool
	shutdown  atomic.Bool
	active    sync.WaitGroup
	freed     chan struct{} // closed when a connection goes, if made
	quit      chan struct{} // closed when the server stops accepting
	pipeline  atomic.Pointer[Pipeline]
	counts    serverCounts // see Program.Listeners
}

// testHookSlotWait, when set, runs when Serve starts waiting for a
// connection to close because the server is at its connection limit.
var testHookSlotWait func()

type serverConn struct {
	srv  *Server
	sock *Socket // nil when the stream ended as it started
	st   *Stream
	p    *Pipeline // what it runs
	w    *Worker
	done chan struct{} // closed by finish
}

// NewServer returns a server running p on group g (nil: its own group).
func NewServer(p *Pipeline, g *Group) *Server { return &Server{Pipeline: p, Group: g} }

func (s *Server) init() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listeners == nil {
		s.listeners = map[net.Listener]struct{}{}
		s.conns = map[*serverConn]struct{}{}
		s.quit = make(chan struct{})
	}
	if s.Group == nil {
		s.Group = NewGroup(0, WorkerOptions{})
		s.ownGroup = true
	}
	if s.pipeline.Load() == nil {
		s.pipeline.Store(s.Pipeline)
	}
}

// SetPipeline makes connections accepted from now on run p. It is how a
// configuration is reloaded. Connections already open go on with the
// pipeline they started with, but those whose protocol layer tracks requests
// (HTTP/1) are drained: each closes at its next request boundary, once the
// requests it has received are answered (see RequestTracker), so that every
// request after the reload runs on p once its connection's current request
// is done. Plain byte streams keep their pipeline until they end. It
// returns once every open connection has been asked to drain, so it must
// not be called on a worker of the server's group.
func (s *Server) SetPipeline(p *Pipeline) {
	s.init()
	if s.pipeline.Swap(p) != p {
		s.drainConns(p, true)
	}
}

// Serve accepts connections on ln and serves each until Shutdown or Close,
// when it returns ErrServerClosed. Any other accept error is returned as is,
// after the listener is closed. A pipeline with a reference by a name never
// resolved (see CheckBound) is not served: Serve closes ln and returns an
// error wrapping ErrUnbound that names it.
func (s *Server) Serve(ln net.Listener) error {
	s.init()
	if s.shutdown.Load() {
		return ErrServerClosed
	}
	if err := CheckBound(s.pipeline.Load()); err != nil {
		ln.Close()
		return err
	}
	s.mu.Lock()
	s.listeners[ln] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, ln)
		s.mu.Unlock()
		ln.Close()
	}()
	var delay time.Duration
	for {
		if !s.waitForSlot() {
			return ErrServerClosed
		}
		c, err := ln.Accept()
		if err != nil {
			if s.shutdown.Load() {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				time.Sleep(delay)
				continue
			}
			return err
		}
		delay = 0
		s.start(c)
	}
}

// waitForSlot waits while the server serves as many connections as its
// limit allows. It reports false if the server stopped accepting meanwhile.
func (s *Server) waitForSlot() bool {
	for {
		limit := s.MaxConns
		if p := s.pipeline.Load(); limit == 0 && p != nil {
			limit = p.ListenOptions.MaxConnections
		}
		if limit <= 0 {
			return true
		}
		s.mu.Lock()
		if len(s.conns) < limit {
			s.mu.Unlock()
			return true
		}
		if s.freed == nil {
			s.freed = make(chan struct{})
		}
		freed := s.freed
		s.mu.Unlock()
		s.counts.limited.Add(1)
		if testHookSlotWait != nil {
			testHookSlotWait()
		}
		select {
		case <-freed:
		case <-s.quit:
			return false
		}
	}
}

// ServeConn serves one connection that the host accepted itself, and returns
// when the connection is closed (nil) or ctx is done (then the connection is
// closed, and ctx.Err() returned). It closes c and returns ErrServerClosed
// after Shutdown or Close, or an error wrapping ErrUnbound for a pipeline
// with an unresolved reference (see CheckBound).
func (s *Server) ServeConn(ctx context.Context, c net.Conn) error {
	s.init()
	if s.shutdown.Load() {
		c.Close()
		return ErrServerClosed
	}
	if err := CheckBound(s.pipeline.Load()); err != nil {
		c.Close()
		return err
	}
	sc := s.start(c)
	select {
	case <-sc.done:
		return nil
	case <-ctx.Done():
		sc.abort()
		<-sc.done
		return ctx.Err()
	}
}

func (s *Server) start(c net.Conn) *serverConn {
	if s.TLS != nil {
		c = tls.Server(c, s.TLS)
	}
	p := s.pipeline.Load()
	opts := s.Conn
	if opts == (ConnOptions{}) {
		opts = p.ListenOptions.Conn
	}
	sc := &serverConn{srv: s, p: p, w: s.Group.Next(), done: make(chan struct{})}
	s.counts.accepted.Add(1)
	s.active.Add(1)
	s.mu.Lock()
	s.conns[sc] = struct{}{}
	s.mu.Unlock()
	sc.w.PostOr(func() {
		pctx := NewContext(sc.w) // the stream's pipeline.Context; ctx is a context.Context in this file
		pctx.LocalAddr, pctx.RemoteAddr = c.LocalAddr(), c.RemoteAddr()
		pctx.connOpts = opts
		pctx.tls = s.TLS != nil
		sc.st = NewStream(p, pctx, sc)
		if sc.st.Ended() { // a filter failed to start: nothing to serve
			c.Close()
			sc.finish()
			return
		}
		sc.sock = NewSocket(sc.st, c, opts)
		sc.sock.counts = &s.counts
		sc.sock.finished = sc.finish
		sc.sock.lingerOff = &s.shutdown // no lingering close once shutting down
		sc.sock.Start(sc.st, nil)
		if s.shutdown.Load() || s.pipeline.Load() != p {
			sc.drain() // a Shutdown or reload came as it started
		}
	}, func() { // the worker has stopped (its group closed): not served
		c.Close()
		sc.finish()
	})
	return sc
}

// drain asks the connection's protocol layer to close the connection at its
// next request boundary (see RequestTracker); a connection without one is
// left to end by itself. A connection in its lingering close is closed at
// once when the server shuts down (a reload leaves it to finish). It runs
// on the connection's worker.
func (sc *serverConn) drain() {
	if sc.sock != nil && sc.sock.Lingering() && sc.srv.shutdown.Load() {
		sc.sock.Close()
		return
	}
	if sc.st == nil || sc.sock == nil || sc.st.Ended() {
		return
	}
	if t := sc.st.Context().RequestTracker(); t != nil {
		stopping := sc.srv.shutdown.Load()
		sc.st.runTask(func() { t.Drain(stopping) })
	}
}

// drainConns drains every connection not running pipeline keep (nil: all).
// With wait, it returns once every one of them has been asked; it must not
// be called on a worker then.
func (s *Server) drainConns(keep *Pipeline, wait bool) {
	var wg sync.WaitGroup
	s.mu.Lock()
	for sc := range s.conns {
		if keep == nil || sc.p != keep {
			wg.Add(1)
			sc.w.PostOr(func() {
				defer wg.Done()
				sc.drain()
			}, wg.Done) // a stopped worker closed its connections
		}
	}
	s.mu.Unlock()
	if wait {
		wg.Wait()
	}
}

// Input receives the stream's output: Data is written to the connection; a
// SessionEnd closes it once everything is written.
func (sc *serverConn) Input(evt event.Event) {
	if sc.sock == nil {
		return
	}
	switch e := evt.(type) {
	case *event.Data:
		sc.sock.Write(e)
	case *event.SessionEnd:
		sc.sock.End(false)
	}
}

// abort closes the connection and its stream now. Safe from any goroutine.
func (sc *serverConn) abort() {
	sc.w.Post(func() {
		if sc.st != nil {
			sc.st.Close()
			if sc.sock != nil {
				sc.sock.Close()
			}
		}
	})
}

// finish forgets the connection once it is finished with: its socket is
// closed and none of the socket's goroutines runs any more (nor a relay's
// that has its connection), or the stream ended as it started. It runs once, on any goroutine.
func (sc *serverConn) finish() {
	sc.w.Post(func() { sc.st.Close() }) // dropped by a stopped worker, which closed it
	s := sc.srv
	s.mu.Lock()
	delete(s.conns, sc)
	if s.freed != nil {
		close(s.freed)
		s.freed = nil
	}
	s.mu.Unlock()
	close(sc.done)
	s.active.Done()
}

// ServerStats describe a server's open connections at one moment.
type ServerStats struct {
	// Conns is how many connections are open.
	Conns int
	// Queued is how many bytes wait to be written, over all connections.
	Queued int
	// PeakQueued is the most bytes ever queued at once for one connection
	// that is still open.
	PeakQueued int
}

// Stats returns the server's statistics. It asks each connection's worker,
// so it must not be called on a worker of the server's group.
func (s *Server) Stats() ServerStats {
	s.init()
	s.mu.Lock()
	conns := make([]*serverConn, 0, len(s.conns))
	for sc := range s.conns {
		conns = append(conns, sc)
	}
	s.mu.Unlock()
	st := ServerStats{Conns: len(conns)}
	for _, sc := range conns {
		done := make(chan struct{})
		sc.w.PostOr(func() {
			if sc.sock != nil {
				st.Queued += sc.sock.Queued()
				st.PeakQueued = max(st.PeakQueued, sc.sock.PeakQueued())
			}
			close(done)
		}, func() { close(done) }) // a stopped worker: nothing queued
		<-done
	}
	return st
}

// Shutdown stops accepting and drains every open connection whose protocol
// layer tracks requests (HTTP/1, see RequestTracker): an idle one is closed
// at once, one with a request in flight once that request is answered (its
// response says "Connection: close"). Then it waits for the open
// connections to end, until ctx is done; then it closes what is left as
// Close does and returns an error wrapping ErrConnsCut, saying how many
// were cut, and ctx's error.
func (s *Server) Shutdown(ctx context.Context) error {
	s.init()
	s.shutdown.Store(true)
	s.closeListeners()
	s.drainConns(nil, false)
	done := make(chan struct{})
	go func() {
		s.active.Wait()
		close(done)
	}()
	select {
	case <-done:
		s.closeOwnGroup()
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		n := len(s.conns)
		s.mu.Unlock()
		s.Close()
		if n == 0 {
			return nil // the last finished as the deadline passed
		}
		return fmt.Errorf("%w: %d (%w)", ErrConnsCut, n, ctx.Err())
	}
}

// Close stops accepting, closes every open connection and its stream, and
// waits until their goroutines have exited. A worker of those connections
// still busy after a short grace (a script callback that never returns) is
// interrupted (Worker.Interrupt) until the connections are gone.
func (s *Server) Close() error {
	s.init()
	s.shutdown.Store(true)
	s.closeListeners()
	s.mu.Lock()
	conns := make([]*serverConn, 0, len(s.conns))
	for sc := range s.conns {
		conns = append(conns, sc)
	}
	s.mu.Unlock()
	var workers []*Worker
	for _, sc := range conns {
		sc.abort()
		if !slices.Contains(workers, sc.w) {
			workers = append(workers, sc.w)
		}
	}
	// A worker stuck in a script callback could not run the aborts.
	waitInterrupting(s.active.Wait, workers)
	s.closeOwnGroup()
	return nil
}

func (s *Server) closeListeners() {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.quit:
	default:
		close(s.quit)
	}
	for ln := range s.listeners {
		ln.Close()
	}
}

// closeOwnGroup closes the worker group the server made for itself, if any.
func (s *Server) closeOwnGroup() {
	s.mu.Lock()
	own := s.ownGroup
	s.ownGroup = false
	s.mu.Unlock()
	if own {
		s.Group.Close()
	}
}

// Serve runs pipeline p on every connection accepted from ln, on a group of
// GOMAXPROCS workers, until ctx is done; then it shuts down, giving open
// connections up to 5 seconds to finish, and returns ctx.Err(). It returns
// earlier, with the error, when the server cannot go on: an accept error
// (ln is closed), or a pipeline that references another by a name never
// resolved (ErrUnbound; see CheckBound), checked before anything is
// accepted. It is the recommended way to serve a pipeline from a Go
// program; use a Server for more control (several listeners, SetPipeline
// to reload, ServeConn for connections the host accepts, Shutdown with a
// deadline of its own) and Start for a Module's listen and task pipelines.
func Serve(ctx context.Context, ln net.Listener, p *Pipeline) error {
	s := NewServer(p, nil)
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(ln) }()
	select {
	case err := <-errc:
		s.Close()
		return err
	case <-ctx.Done():
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(shutdownCtx)
		<-errc
		return ctx.Err()
	}
}
