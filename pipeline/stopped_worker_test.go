package pipeline_test

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// within runs f and fails the test if it has not returned after d: the
// calls under test must not wait forever.
func within(t *testing.T, d time.Duration, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s did not return within %v", what, d)
	}
}

// A server whose group was closed under it (the host closed the group
// first) still closes: connections open when the group closed, and those
// accepted after it, whose start task went to a stopped worker, all count
// as finished, and nothing is left open.
func TestServerCloseAfterGroupClose(t *testing.T) {
	for _, stop := range []string{"Close", "Shutdown", "ServeConn"} {
		t.Run(stop, func(t *testing.T) {
			check := pipelinetest.LeakCheck(t)
			g := pipeline.NewGroup(2, pipeline.WorkerOptions{})
			srv := pipeline.NewServer(pipeline.New("echo", upper), g)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			errc := make(chan error, 1)
			go func() { errc <- srv.Serve(ln) }()
			var open []net.Conn
			for range 4 {
				c, err := net.Dial("tcp", ln.Addr().String())
				require.NoError(t, err)
				io.WriteString(c, "y")
				b := make([]byte, 1)
				_, err = io.ReadFull(c, b)
				require.NoError(t, err)
				open = append(open, c)
			}
			g.Close()
			// Accepted after the group stopped: their start goes nowhere.
			late := make([]net.Conn, 4)
			for i := range late {
				late[i], err = net.Dial("tcp", ln.Addr().String())
				require.NoError(t, err)
			}
			if stop == "ServeConn" {
				a, b := net.Pipe()
				defer b.Close()
				within(t, 5*time.Second, "ServeConn", func() {
					ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
					defer cancel()
					srv.ServeConn(ctx, a)
				})
			}
			// Every late connection is closed by the server once its start
			// task is dropped, before Close: it gets an answer (EOF).
			for _, c := range late {
				c.SetReadDeadline(time.Now().Add(5 * time.Second))
				_, err := io.ReadAll(c)
				assert.NoError(t, err, "closed by the server")
			}
			within(t, 5*time.Second, "Stats", func() { srv.Stats() })
			within(t, 5*time.Second, "SetPipeline", func() { srv.SetPipeline(pipeline.New("other", upper)) })
			within(t, 5*time.Second, stop, func() {
				if stop == "Shutdown" {
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					defer cancel()
					assert.NoError(t, srv.Shutdown(ctx))
					return
				}
				srv.Close()
			})
			require.ErrorIs(t, <-errc, pipeline.ErrServerClosed)
			for _, c := range append(open, late...) {
				c.Close()
			}
			check()
		})
	}
}

// TestStoppedWorkerDropsPosts: a stopped worker runs nothing posted to it;
// PostOr's drop runs in its place, on the poster's goroutine, and a stream
// a task opens as the worker stops is closed.
func TestStoppedWorkerDropsPosts(t *testing.T) {
	g := pipeline.NewGroup(1, pipeline.WorkerOptions{})
	w := g.Workers()[0]
	closed := make(chan struct{})
	w.Post(func() {
		// Posted as the worker stops: it runs, and its stream is closed.
		w.Post(func() {
			st := pipeline.NewStream(pipeline.New("s", swallow), pipeline.NewContext(w), pipeline.TargetFunc(func(event.Event) {}))
			st.OnClose(func() { close(closed) })
		})
	})
	g.Close()
	select {
	case <-closed:
	default:
		t.Fatal("the stream opened as the worker stopped is open")
	}
	require.True(t, w.Stopped())
	ran, dropped := false, false
	w.PostOr(func() { ran = true }, func() { dropped = true })
	w.Post(func() { ran = true })
	assert.False(t, ran)
	assert.True(t, dropped, "drop runs at once")
	_, ok := w.Probe(time.Hour, nil)
	assert.False(t, ok)
}
