package pipeline_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/internal/testnet"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// serve starts a server for p on 127.0.0.1:0 and returns its address; the
// server is closed at cleanup.
func serve(t *testing.T, srv *pipeline.Server) string {
	t.Helper()
	return testnet.ServeOn(t, srv, pipeline.ErrServerClosed)
}

func roundTrip(t *testing.T, addr, msg string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	_, err = io.WriteString(c, msg)
	require.NoError(t, err)
	require.NoError(t, c.(*net.TCPConn).CloseWrite())
	b, err := io.ReadAll(c)
	require.NoError(t, err)
	return string(b)
}

func TestServeTCPRunsPipelinePerConnection(t *testing.T) {
	addr := serve(t, pipeline.NewServer(pipeline.New("upper", upper), nil))
	assert.Equal(t, "HELLO", roundTrip(t, addr, "hello"))
	assert.Equal(t, "AGAIN", roundTrip(t, addr, "again"))
}

func TestServeConnOnNetPipe(t *testing.T) {
	g := pipeline.NewGroup(1, pipeline.WorkerOptions{})
	defer g.Close()
	srv := pipeline.NewServer(pipeline.New("upper", upper), g)
	client, server := net.Pipe()
	done := make(chan error, 1)
	go func() { done <- srv.ServeConn(context.Background(), server) }()
	go func() {
		io.WriteString(client, "piped")
	}()
	buf := make([]byte, 5)
	_, err := io.ReadFull(client, buf)
	require.NoError(t, err)
	assert.Equal(t, "PIPED", string(buf))
	client.Close()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("ServeConn did not return after the client closed")
	}
}

func TestServeConnStopsWhenContextIsDone(t *testing.T) {
	srv := pipeline.NewServer(pipeline.New("echo"), nil)
	defer srv.Close()
	client, server := net.Pipe()
	defer client.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.ServeConn(ctx, server) }()
	cancel()
	select {
	case err := <-done:
		assert.ErrorIs(t, err, context.Canceled)
	case <-time.After(10 * time.Second):
		t.Fatal("ServeConn ignored its context")
	}
}

func TestManyConcurrentClientsOnTwoWorkersGetEveryByteBack(t *testing.T) {
	g := pipeline.NewGroup(2, pipeline.WorkerOptions{})
	t.Cleanup(g.Close) // after the server closes (cleanups run last first)
	addr := serve(t, pipeline.NewServer(pipeline.New("echo"), g))
	const clients = 200
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			payload := make([]byte, 32<<10+i*97)
			rand.Read(payload)
			c, err := net.Dial("tcp", addr)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			go func() {
				c.Write(payload)
				c.(*net.TCPConn).CloseWrite()
			}()
			got, err := io.ReadAll(c)
			if err != nil {
				errs <- err
				return
			}
			if !bytes.Equal(got, payload) {
				errs <- fmt.Errorf("client %d: got %d bytes back, want %d identical bytes", i, len(got), len(payload))
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestPanicEndsOnlyItsOwnConnection(t *testing.T) {
	g := pipeline.NewGroup(1, pipeline.WorkerOptions{})
	t.Cleanup(g.Close) // after the server closes (cleanups run last first)
	addr := serve(t, pipeline.NewServer(pipeline.New("p", panicky{}, upper), g))
	bad, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer bad.Close()
	good, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer good.Close()
	io.WriteString(good, "first ")
	io.WriteString(bad, "boom")
	rest, err := io.ReadAll(bad)
	require.NoError(t, err, "the failed connection is closed cleanly")
	assert.Empty(t, rest)
	io.WriteString(good, "second")
	good.(*net.TCPConn).CloseWrite()
	out, err := io.ReadAll(good)
	require.NoError(t, err)
	assert.Equal(t, "FIRST SECOND", string(out), "the other connection on the same worker goes on")
}

func TestClientResetGivesReadErrorSessionEnd(t *testing.T) {
	ends := make(chan *event.SessionEnd, 1)
	record := fn{"record", func(s *pipeline.Stream, evt event.Event, next pipeline.Target) {
		if se, ok := evt.(*event.SessionEnd); ok {
			ends <- se
		}
		next.Input(evt)
	}}
	addr := serve(t, pipeline.NewServer(pipeline.New("p", record), nil))
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	io.WriteString(c, "partial")
	buf := make([]byte, 7)
	_, err = io.ReadFull(c, buf)
	require.NoError(t, err)
	require.NoError(t, c.(*net.TCPConn).SetLinger(0))
	c.Close() // RST
	select {
	case se := <-ends:
		assert.Equal(t, event.ReadError, se.Err, "got %v", se)
	case <-time.After(10 * time.Second):
		t.Fatal("no SessionEnd after the client reset")
	}
}

func TestNoGoroutineOrFDSurvivesClosedServer(t *testing.T) {
	check := pipelinetest.LeakCheck(t)
	func() {
		g := pipeline.NewGroup(2, pipeline.WorkerOptions{})
		defer g.Close()
		srv := pipeline.NewServer(pipeline.New("echo", upper), g)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		errc := make(chan error, 1)
		go func() { errc <- srv.Serve(ln) }()
		// Finished connections, and connections still open at Close.
		for range 20 {
			assert.Equal(t, "X", roundTrip(t, ln.Addr().String(), "x"))
		}
		var open []net.Conn
		for range 20 {
			c, err := net.Dial("tcp", ln.Addr().String())
			require.NoError(t, err)
			io.WriteString(c, "y")
			b := make([]byte, 1)
			_, err = io.ReadFull(c, b)
			require.NoError(t, err)
			open = append(open, c)
		}
		require.NoError(t, srv.Close())
		require.ErrorIs(t, <-errc, pipeline.ErrServerClosed)
		for _, c := range open {
			_, err := io.ReadAll(c)
			assert.NoError(t, err, "closed by the server")
			c.Close()
		}
	}()
	check()
}

// amplify writes each byte it gets back `times` times.
func amplify(times int) pipeline.Filter {
	return fn{"amplify", func(s *pipeline.Stream, evt event.Event, next pipeline.Target) {
		if d, ok := evt.(*event.Data); ok {
			next.Input(event.FromString(strings.Repeat(d.String(), times)))
			return
		}
		next.Input(evt)
	}}
}

func TestSlowReaderBoundsWhatIsQueued(t *testing.T) {
	const (
		high      = 256 << 10
		readAhead = 4 << 10
		times     = 8
		sent      = 4 << 20
	)
	paused := make(chan struct{}, 1)
	defer pipeline.SetTestHookValveWait(func() {
		select {
		case paused <- struct{}{}:
		default:
		}
	})()
	srv := pipeline.NewServer(pipeline.New("amp", amplify(times)), nil)
	srv.Conn = pipeline.ConnOptions{WriteHighWater: high, ReadAhead: readAhead}
	addr := serve(t, srv)
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	writeErr := make(chan error, 1)
	go func() {
		_, err := c.Write(bytes.Repeat([]byte("z"), sent))
		if err == nil {
			err = c.(*net.TCPConn).CloseWrite()
		}
		writeErr <- err
	}()
	select {
	case <-paused:
	case <-time.After(20 * time.Second):
		t.Fatal("reading never paused while the client did not read")
	}
	// The write that crosses the mark, and bytes already read when the valve
	// closed (the read-ahead window plus a read in progress), are still
	// processed: ConnOptions documents this slack.
	bound := high + times*(readAhead+3*16<<10)
	st := srv.Stats()
	assert.LessOrEqual(t, st.PeakQueued, bound, "queued bytes must stay bounded")
	assert.Greater(t, st.PeakQueued, high/2, "the test must actually fill the queue")
	// Once the client reads, everything arrives.
	n, err := io.Copy(io.Discard, c)
	require.NoError(t, err)
	assert.Equal(t, int64(sent*times), n)
	require.NoError(t, <-writeErr)
	assert.LessOrEqual(t, srv.Stats().PeakQueued, bound)
}

func TestShutdownWaitsForOpenConnections(t *testing.T) {
	srv := pipeline.NewServer(pipeline.New("echo"), nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	io.WriteString(c, "a")
	b := make([]byte, 1)
	_, err = io.ReadFull(c, b)
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(context.Background()) }()
	require.ErrorIs(t, <-errc, pipeline.ErrServerClosed)
	_, err = net.Dial("tcp", ln.Addr().String())
	assert.Error(t, err, "no more accepting")
	io.WriteString(c, "b")
	_, err = io.ReadFull(c, b)
	require.NoError(t, err)
	assert.Equal(t, "b", string(b), "open connections keep working during shutdown")
	c.(*net.TCPConn).CloseWrite()
	io.ReadAll(c)
	c.Close()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Shutdown did not return after the last connection ended")
	}
}

// newPanics is a filter whose New panics: the stream ends as it starts.
type newPanics struct{}

func (newPanics) Info() pipeline.Info { return pipeline.Info{Name: "newPanics"} }

func (newPanics) New(*pipeline.Stream, pipeline.Target) pipeline.Target { panic("no instance") }

func TestStreamEndedAtStartClosesTheConnection(t *testing.T) {
	check := pipelinetest.LeakCheck(t)
	srv := pipeline.NewServer(pipeline.New("broken", newPanics{}), nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	c.SetDeadline(time.Now().Add(time.Minute))
	b, err := io.ReadAll(c)
	assert.NoError(t, err, "closed by the server")
	assert.Empty(t, b)
	c.Close()
	require.NoError(t, srv.Shutdown(context.Background()), "nothing left open")
	require.ErrorIs(t, <-errc, pipeline.ErrServerClosed)
	check()
}

// framed wraps each Data it gets in a message, as encoders do: MessageStart
// (with a head), the bytes, MessageEnd.
var framed = fn{"framed", func(s *pipeline.Stream, evt event.Event, next pipeline.Target) {
	if d, ok := evt.(*event.Data); ok {
		next.Input(&event.MessageStart{Head: map[string]any{"status": 200}})
		next.Input(d)
		next.Input(&event.MessageEnd{Tail: "trailer"})
		return
	}
	next.Input(evt)
}}

// A socket writes only the bytes of the stream's output: message
// boundaries carry nothing on a byte connection.
func TestSocketWritesOnlyBytesOfMessages(t *testing.T) {
	addr := serve(t, pipeline.NewServer(pipeline.New("framed", framed), nil))
	assert.Equal(t, "hello", roundTrip(t, addr, "hello"))
}
