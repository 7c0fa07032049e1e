package filter_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/internal/testnet"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/require"
)

// relayCounts returns a function that reports how many connections connect
// took over, and how many it spliced, since relayCounts was called.
func relayCounts() func() (accepted, spliced int64) {
	a0, s0 := filter.RelayCounts()
	return func() (int64, int64) {
		a, s := filter.RelayCounts()
		return a - a0, s - s0
	}
}

// tcpPair returns both ends of a new TCP connection on 127.0.0.1: the one
// that dialed and the one that was accepted. Both are closed at cleanup.
func tcpPair(t *testing.T) (client, accepted *net.TCPConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	a, err := ln.Accept()
	require.NoError(t, err)
	t.Cleanup(func() { c.Close(); a.Close() })
	return c.(*net.TCPConn), a.(*net.TCPConn)
}

// startRelay runs f in a harness whose stream is fed, as a Server's is, by
// an inbound pipeline.Socket over the accepted end of a new TCP connection,
// whose other end it returns. The socket closes when the stream does (a
// Server ends it at the stream's SessionEnd); done is closed once the socket
// and the relay that may have its connection are finished.
func startRelay(t *testing.T, f pipeline.Filter, opts ...pipeline.ConnOptions) (h *pipelinetest.Harness, client *net.TCPConn, done <-chan struct{}) {
	t.Helper()
	h = pipelinetest.Of(t, f)
	client, accepted := tcpPair(t)
	return h, client, inbound(h, accepted, opts...)
}

// inbound starts an inbound socket over nc feeding h's stream, closed with
// the stream; the channel is closed once the socket is finished.
func inbound(h *pipelinetest.Harness, nc net.Conn, opts ...pipeline.ConnOptions) <-chan struct{} {
	var o pipeline.ConnOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	k := pipeline.NewSocket(h.Stream, nc, o)
	k.Start(h.Stream, nil)
	h.Stream.OnClose(k.Close)
	d := make(chan struct{})
	go func() { k.Wait(); close(d) }()
	return d
}

// waitDone waits for the relay's done function to be called.
func waitDone(t *testing.T, done <-chan struct{}) {
	t.Helper()
	waitClosed(t, done, "the relay did not call done")
}

func waitClosed(t *testing.T, ch <-chan struct{}, failure string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatal(failure)
	}
}

// TestConnectRelaySessionEnd runs the relay in a harness, where the stream's
// output can be seen: one SessionEnd of the event path's kind, and never a
// Data event (the bytes do not go through the worker).
func TestConnectRelaySessionEnd(t *testing.T) {
	t.Run("clean", func(t *testing.T) {
		leaks := netLeakBaseline(t)
		counts := relayCounts()
		up := testnet.Serve(t, testnet.Echo)
		h, client, done := startRelay(t, filter.Connect(up.Addr(), filter.ConnectOptions{}))
		_, err := client.Write([]byte("hello"))
		require.NoError(t, err)
		require.NoError(t, client.CloseWrite())
		se := h.WaitEnd()
		require.Equal(t, event.NoError, se.Err, se.Message)
		require.Equal(t, "SE", pipelinetest.Dump(h.Output()), "no Data went through the stream")
		waitDone(t, done)
		got, err := io.ReadAll(client)
		require.NoError(t, err)
		require.Equal(t, "hello", string(got))
		accepted, spliced := counts()
		require.EqualValues(t, 1, accepted)
		require.EqualValues(t, 1, spliced)
		client.Close()
		up.Close()
		leaks.check()
	})
	t.Run("refused", func(t *testing.T) {
		refused := testnet.RefusedAddr(t) // holds a socket until cleanup: before the baseline
		leaks := netLeakBaseline(t)
		h, client, done := startRelay(t, filter.Connect(refused, filter.ConnectOptions{}))
		_, err := client.Write([]byte("x"))
		require.NoError(t, err)
		se := h.WaitEnd()
		require.Equal(t, event.ConnectionRefused, se.Err, se.Message)
		require.Equal(t, "SE(connection refused: "+se.Message+")", pipelinetest.Dump(h.Output()))
		waitDone(t, done)
		got, err := io.ReadAll(client)
		require.NoError(t, err, "closed, not reset: what the client sent was read")
		require.Empty(t, got)
		client.Close()
		leaks.check()
	})
	t.Run("client sends nothing", func(t *testing.T) {
		leaks := netLeakBaseline(t)
		up := testnet.Serve(t, testnet.Echo)
		h, client, done := startRelay(t, filter.Connect(up.Addr(), filter.ConnectOptions{}))
		client.Close()
		se := h.WaitEnd()
		require.Equal(t, event.NoError, se.Err, se.Message)
		waitDone(t, done)
		require.Zero(t, up.Accepted(), "no dial, as on the event path")
		up.Close()
		leaks.check()
	})
	t.Run("closed before the first byte", func(t *testing.T) {
		// The stream is closed (as Server.Close does) while the relay
		// waits for the client's first byte, at some point of that wait.
		leaks := netLeakBaseline(t)
		up := testnet.Serve(t, testnet.Echo)
		for i := range 20 {
			h, client, done := startRelay(t, filter.Connect(up.Addr(), filter.ConnectOptions{}))
			for range i {
				runtime.Gosched()
			}
			h.Stream.Close()
			waitDone(t, done)
			n, _ := io.Copy(io.Discard, client)
			require.Zero(t, n)
			client.Close()
		}
		require.Zero(t, up.Accepted())
		up.Close()
		leaks.check()
	})
	t.Run("upstream resets", func(t *testing.T) {
		leaks := netLeakBaseline(t)
		up := testnet.Serve(t, func(c *net.TCPConn) {
			io.ReadFull(c, make([]byte, 1))
			c.SetLinger(0)
		})
		h, client, done := startRelay(t, filter.Connect(up.Addr(), filter.ConnectOptions{}))
		_, err := client.Write([]byte("x"))
		require.NoError(t, err)
		se := h.WaitEnd()
		require.Equal(t, event.ReadError, se.Err, se.Message)
		waitDone(t, done)
		io.ReadAll(client) // closed, one way or another
		client.Close()
		up.Close()
		leaks.check()
	})
	t.Run("client resets", func(t *testing.T) {
		leaks := netLeakBaseline(t)
		counts := relayCounts()
		got := make(chan struct{})
		up := testnet.Serve(t, func(c *net.TCPConn) {
			io.ReadFull(c, make([]byte, 1))
			close(got)
			io.Copy(io.Discard, c) // until the relay closes it
		})
		h, client, done := startRelay(t, filter.Connect(up.Addr(), filter.ConnectOptions{}))
		_, err := client.Write([]byte("x"))
		require.NoError(t, err)
		h.Wait(func() bool { _, spliced := counts(); return spliced == 1 }) // copying
		waitDone(t, got)                                                    // the byte went through
		client.SetLinger(0)
		client.Close()
		se := h.WaitEnd()
		require.Equal(t, event.ReadError, se.Err, se.Message)
		waitDone(t, done)
		up.Close()
		leaks.check()
	})
	t.Run("target function", func(t *testing.T) {
		leaks := netLeakBaseline(t)
		up := testnet.Serve(t, testnet.Echo)
		var calls atomic.Int32
		h, client, done := startRelay(t, filter.ConnectFunc(func(*pipeline.Stream) string {
			calls.Add(1)
			return up.Addr()
		}, filter.ConnectOptions{}))
		require.Zero(t, calls.Load(), "called when the first byte arrives, as on the event path")
		_, err := client.Write([]byte("abc"))
		require.NoError(t, err)
		require.NoError(t, client.CloseWrite())
		se := h.WaitEnd()
		require.Equal(t, event.NoError, se.Err, se.Message)
		waitDone(t, done)
		b, err := io.ReadAll(client)
		require.NoError(t, err)
		require.Equal(t, "abc", string(b))
		require.EqualValues(t, 1, calls.Load())
		client.Close()
		up.Close()
		leaks.check()
	})
	t.Run("dialer of other connections, with retries", func(t *testing.T) {
		leaks := netLeakBaseline(t)
		counts := relayCounts()
		refused := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("refused")}
		var tries atomic.Int32
		dialer := dialerFunc(func(ctx context.Context, network, addr string) (net.Conn, error) {
			if tries.Add(1) <= 2 {
				return nil, refused
			}
			a, b := net.Pipe()
			go func() { // the remote: says what it got, then closes
				got := make([]byte, 4)
				io.ReadFull(b, got)
				b.Write([]byte("got " + string(got)))
				b.Close()
			}()
			return a, nil
		})
		h, client, done := startRelay(t, filter.Connect("upstream:1", filter.ConnectOptions{RetryCount: 2, RetryDelay: time.Second, Dialer: dialer}))
		_, err := client.Write([]byte("data"))
		require.NoError(t, err)
		// Read and relayed: from now on the only timers are the dial's (the
		// client socket's idle timer stopped when it handed its connection).
		h.Wait(func() bool { accepted, _ := counts(); return accepted == 1 })
		for !h.Ended() {
			h.Wait(func() bool { return h.Ended() || h.Clock.Pending() > 0 })
			h.Advance(time.Second)
		}
		se := h.SessionEnd()
		require.Equal(t, event.NoError, se.Err, se.Message)
		require.EqualValues(t, 3, tries.Load())
		waitDone(t, done)
		b, err := io.ReadAll(client)
		require.NoError(t, err)
		require.Equal(t, "got data", string(b))
		accepted, spliced := counts()
		require.EqualValues(t, 1, accepted)
		require.Zero(t, spliced, "copied with io.Copy")
		client.Close()
		leaks.check()
	})
}

// TestConnectRelayDeclines checks that the bytes stay on the event path
// where the relay cannot carry them, and that everything works there.
func TestConnectRelayDeclines(t *testing.T) {
	up := testnet.Serve(t, testnet.Echo)
	pass := filter.OnData(func(*pipeline.Stream, *event.Data) {})
	for _, tc := range []struct {
		name   string
		filter []pipeline.Filter
		opts   filter.ConnectOptions
		conn   func(t *testing.T) net.Conn
		in     pipeline.ConnOptions
	}{
		{name: "TLS", opts: filter.ConnectOptions{TLS: &tls.Config{}}},
		{name: "read timeout", opts: filter.ConnectOptions{ReadTimeout: time.Hour}},
		{name: "write timeout", opts: filter.ConnectOptions{WriteTimeout: time.Hour}},
		{name: "idle timeout", opts: filter.ConnectOptions{IdleTimeout: time.Hour}},
		{name: "client idle timeout", in: pipeline.ConnOptions{IdleTimeout: time.Hour}},
		{name: "not TCP", conn: func(t *testing.T) net.Conn {
			a, b := net.Pipe()
			t.Cleanup(func() { a.Close(); b.Close() })
			return a
		}},
		{name: "wrapped TCP", conn: func(t *testing.T) net.Conn {
			_, a := tcpPair(t)
			return struct{ net.Conn }{a}
		}},
		{name: "not the only filter", filter: []pipeline.Filter{pass}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			counts := relayCounts()
			h := pipelinetest.Of(t, append([]pipeline.Filter{filter.Connect(up.Addr(), tc.opts)}, tc.filter...)...)
			var c net.Conn
			if tc.conn != nil {
				c = tc.conn(t)
			} else {
				_, c = tcpPair(t)
			}
			inbound(h, c, tc.in)
			if tc.opts.TLS != nil {
				h.InputString("x") // the upstream speaks no TLS
			} else {
				h.InputString("still works").End()
				se := h.WaitEnd()
				require.Equal(t, event.NoError, se.Err, se.Message)
				require.Equal(t, "still works", h.OutputString())
			}
			accepted, _ := counts()
			require.Zero(t, accepted)
		})
	}
}

// serveRelay serves p with a pipeline.Server on 127.0.0.1:0 on a group of
// one worker logging to logger (the test's log when nil). stop closes the
// server and the group (also at cleanup); serveErr gets Serve's error.
func serveRelay(t *testing.T, p *pipeline.Pipeline, logger *slog.Logger) (addr string, srv *pipeline.Server, serveErr <-chan error, stop func()) {
	t.Helper()
	if logger == nil {
		logger = pipelinetest.TestLogger(t)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	g := pipeline.NewGroup(1, pipeline.WorkerOptions{Logger: logger})
	srv = pipeline.NewServer(p, g)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	stop = sync.OnceFunc(func() {
		srv.Close()
		g.Close()
	})
	t.Cleanup(stop)
	return ln.Addr().String(), srv, errc, stop
}

// TestConnectRelayBothWaysWithHalfClose sends 12 MiB each way at once
// through a server running connect alone. The client half-closes after its
// last byte; the upstream, having read to that FIN, answers with what it
// received (count and SHA-256) and closes; the client reads it all.
func TestConnectRelayBothWaysWithHalfClose(t *testing.T) {
	const size = 12 << 20
	leaks := netLeakBaseline(t)
	counts := relayCounts()
	fromClient, fromUp := pattern(size, 1), pattern(size, 2)
	up := testnet.Serve(t, func(c *net.TCPConn) {
		werr := make(chan error, 1)
		go func() { _, err := c.Write(fromUp); werr <- err }()
		sum := sha256.New()
		n, err := io.CopyBuffer(sum, struct{ io.Reader }{c}, make([]byte, 64<<10))
		if e := <-werr; err == nil {
			err = e
		}
		fmt.Fprintf(c, "|%d %x %v", n, sum.Sum(nil), err) // after the client's FIN
	})
	addr, _, _, stop := serveRelay(t, pipeline.New("proxy", filter.Connect(up.Addr(), filter.ConnectOptions{})), nil)

	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	c.SetDeadline(time.Now().Add(time.Minute)) // the test stops by itself whatever happens
	werr := make(chan error, 1)
	go func() {
		_, err := c.Write(fromClient)
		if err == nil {
			err = c.(*net.TCPConn).CloseWrite()
		}
		werr <- err
	}()
	got, err := io.ReadAll(c)
	require.NoError(t, err)
	require.NoError(t, <-werr)
	c.Close()
	require.GreaterOrEqual(t, len(got), size)
	require.True(t, bytes.Equal(fromUp, got[:size]), "what the upstream sent arrived byte for byte")
	require.Equal(t, fmt.Sprintf("|%d %x <nil>", size, sha256.Sum256(fromClient)), string(got[size:]),
		"what the client sent arrived byte for byte, and the upstream answered after the client's FIN")
	accepted, spliced := counts()
	require.EqualValues(t, 1, accepted)
	require.EqualValues(t, 1, spliced, "the connection was relayed in the kernel")

	stop()
	up.Close()
	leaks.check()
}

// TestConnectRelayDeclinedWithIdleTimeout: an idle timeout keeps the event
// path, which still carries the bytes.
func TestConnectRelayDeclinedWithIdleTimeout(t *testing.T) {
	const size = 4 << 20
	leaks := netLeakBaseline(t)
	counts := relayCounts()
	up := testnet.Serve(t, testnet.Echo)
	addr, _, _, stop := serveRelay(t, pipeline.New("proxy", filter.Connect(up.Addr(), filter.ConnectOptions{IdleTimeout: time.Hour})), nil)
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	c.SetDeadline(time.Now().Add(time.Minute))
	wrote, read, sent, got, err := exchange(c, randomStream(size, 4))
	c.Close()
	require.NoError(t, err)
	require.EqualValues(t, size, wrote)
	require.EqualValues(t, size, read)
	require.Equal(t, sent, got)
	accepted, _ := counts()
	require.Zero(t, accepted, "not relayed")
	stop()
	up.Close()
	leaks.check()
}

// lockedBuffer is a bytes.Buffer for a logger written from a worker.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestConnectRelayRefused: a refused upstream ends the relayed stream with
// the event path's single warning; the client's connection is closed (not
// reset) and nothing is left behind.
func TestConnectRelayRefused(t *testing.T) {
	refused := testnet.RefusedAddr(t) // holds a socket until cleanup: before the baseline
	leaks := netLeakBaseline(t)
	counts := relayCounts()
	var log lockedBuffer
	addr, _, _, stop := serveRelay(t, pipeline.New("proxy", filter.Connect(refused, filter.ConnectOptions{})),
		slog.New(slog.NewTextHandler(&log, nil)))
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	c.SetDeadline(time.Now().Add(time.Minute))
	_, err = c.Write([]byte("hello"))
	require.NoError(t, err)
	got, err := io.ReadAll(c)
	require.NoError(t, err, "closed, not reset")
	require.Empty(t, got)
	c.Close()
	stop() // the worker has logged by now
	require.Equal(t, 1, strings.Count(log.String(), "connect: failed"), "%s", log.String())
	require.Contains(t, log.String(), `kind="connection refused"`)
	accepted, _ := counts()
	require.EqualValues(t, 1, accepted)
	leaks.check()
}

// TestConnectRelayServerClose: Server.Close while a connection is relayed
// closes both of its connections, and returns.
func TestConnectRelayServerClose(t *testing.T) {
	leaks := netLeakBaseline(t)
	counts := relayCounts()
	up := testnet.Serve(t, testnet.Echo)
	addr, _, serveErr, stop := serveRelay(t, pipeline.New("proxy", filter.Connect(up.Addr(), filter.ConnectOptions{})), nil)
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	c.SetDeadline(time.Now().Add(time.Minute))
	_, err = c.Write([]byte("ping"))
	require.NoError(t, err)
	b := make([]byte, 4)
	_, err = io.ReadFull(c, b)
	require.NoError(t, err)
	require.Equal(t, "ping", string(b))
	_, spliced := counts()
	require.EqualValues(t, 1, spliced, "being relayed")

	stop()
	require.ErrorIs(t, <-serveErr, pipeline.ErrServerClosed)
	n, _ := io.Copy(io.Discard, c) // EOF or reset: closed by the server
	require.Zero(t, n)
	c.Close()
	up.Close() // the echo has seen its connection closed, or this would block
	leaks.check()
}

// TestConnectRelayShutdownDrains: Shutdown waits for a relayed connection
// to end by itself, which it keeps carrying meanwhile.
func TestConnectRelayShutdownDrains(t *testing.T) {
	leaks := netLeakBaseline(t)
	counts := relayCounts()
	up := testnet.Serve(t, testnet.Echo)
	addr, srv, serveErr, stop := serveRelay(t, pipeline.New("proxy", filter.Connect(up.Addr(), filter.ConnectOptions{})), nil)
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	c.SetDeadline(time.Now().Add(time.Minute))
	b := make([]byte, 4)
	_, err = c.Write([]byte("ping"))
	require.NoError(t, err)
	_, err = io.ReadFull(c, b)
	require.NoError(t, err)

	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(context.Background()) }()
	require.ErrorIs(t, <-serveErr, pipeline.ErrServerClosed)
	_, err = c.Write([]byte("pong"))
	require.NoError(t, err)
	_, err = io.ReadFull(c, b)
	require.NoError(t, err)
	require.Equal(t, "pong", string(b), "still relayed during the shutdown")
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned while a connection was relayed: %v", err)
	default:
	}
	require.NoError(t, c.(*net.TCPConn).CloseWrite())
	rest, err := io.ReadAll(c)
	require.NoError(t, err)
	require.Empty(t, rest)
	c.Close()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Shutdown did not return once the relayed connection ended")
	}
	_, spliced := counts()
	require.EqualValues(t, 1, spliced)
	stop()
	up.Close()
	leaks.check()
}
