package pipeline_test

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/internal/testnet"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// timeoutRig serves one connection on a worker with a manual clock, and
// records the SessionEnd its stream receives. The connection is TCP on
// loopback, or with pipe an in-memory net.Pipe, so that a client that does
// not read blocks the server's writes at once.
type timeoutRig struct {
	t      *testing.T
	clock  *pipelinetest.Clock
	w      *pipeline.Worker
	client net.Conn
	ends   chan *event.SessionEnd
	served chan error
}

func newTimeoutRig(t *testing.T, pipe bool, opts pipeline.ConnOptions, filters ...pipeline.Filter) *timeoutRig {
	t.Helper()
	r := &timeoutRig{t: t, clock: pipelinetest.NewClock(), ends: make(chan *event.SessionEnd, 1), served: make(chan error, 1)}
	g := pipeline.NewGroup(1, pipeline.WorkerOptions{Clock: r.clock, Logger: pipelinetest.TestLogger(t)})
	r.w = g.Workers()[0]
	started := make(chan struct{})
	watch := fn{"watch", func(s *pipeline.Stream, evt event.Event, next pipeline.Target) {
		if e, ok := evt.(*event.SessionEnd); ok {
			select {
			case r.ends <- e:
			default:
			}
		}
		next.Input(evt)
	}}
	start := startSignal{started}
	srv := pipeline.NewServer(pipeline.New("timeouts", append([]pipeline.Filter{start, watch}, filters...)...), g)
	srv.Conn = opts
	var client, server net.Conn
	if pipe {
		client, server = net.Pipe()
	} else {
		client, server = testnet.Pair(t)
	}
	r.client = client
	go func() { r.served <- srv.ServeConn(context.Background(), server) }()
	t.Cleanup(func() {
		client.Close()
		<-r.served
		srv.Close()
		g.Close()
	})
	<-started
	r.barrier() // the socket has started: its timer is set
	return r
}

// startSignal closes its channel when its first stream starts.
type startSignal struct{ c chan struct{} }

func (startSignal) Info() pipeline.Info { return pipeline.Info{Name: "startSignal"} }

func (f startSignal) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	close(f.c)
	return next
}

// barrier returns once the worker has run everything posted to it so far.
func (r *timeoutRig) barrier() {
	done := make(chan struct{})
	r.w.Post(func() { close(done) })
	<-done
}

// advance moves the clock and lets the worker run what the timers posted.
func (r *timeoutRig) advance(d time.Duration) {
	r.barrier()                   // a batch whose output the client has read may still be finishing
	r.clock.Advance(d, r.barrier) // each timer's work is done before the clock moves on
	r.barrier()
}

// ended returns the SessionEnd the stream received, or nil if none yet.
func (r *timeoutRig) ended() *event.SessionEnd {
	select {
	case e := <-r.ends:
		return e
	default:
		return nil
	}
}

// closed waits (up to a deadline) for the server to close the connection.
func (r *timeoutRig) closed() bool {
	r.client.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err := io.Copy(io.Discard, r.client)
	return err == nil
}

func TestIdleTimeoutClosesAConnectionThatSendsNothing(t *testing.T) {
	r := newTimeoutRig(t, false, pipeline.ConnOptions{})
	r.advance(pipeline.DefaultStreamIdleTimeout - time.Second)
	require.Nil(t, r.ended(), "closed before the idle timeout")
	r.advance(time.Second)
	e := r.ended()
	require.NotNil(t, e, "not closed at the idle timeout")
	assert.Equal(t, event.Timeout, e.Err)
	assert.ErrorIs(t, e.Cause, pipeline.ErrIdleTimeout)
	assert.True(t, r.closed())
}

func TestIdleTimeoutCountsFromTheLastByte(t *testing.T) {
	r := newTimeoutRig(t, false, pipeline.ConnOptions{}, upper)
	r.advance(time.Minute)
	go io.WriteString(r.client, "hi")
	buf := make([]byte, 2)
	_, err := io.ReadFull(r.client, buf)
	require.NoError(t, err)
	assert.Equal(t, "HI", string(buf))
	r.barrier()
	r.advance(pipeline.DefaultStreamIdleTimeout - time.Second)
	require.Nil(t, r.ended(), "closed before being idle for the timeout")
	r.advance(time.Second)
	e := r.ended()
	require.NotNil(t, e, "an idle connection was kept")
	assert.Equal(t, event.Timeout, e.Err)
}

func TestIdleTimeoutNegativeMeansNoLimit(t *testing.T) {
	r := newTimeoutRig(t, false, pipeline.ConnOptions{IdleTimeout: -1})
	r.advance(24 * time.Hour)
	assert.Nil(t, r.ended())
}

// busyTracker is a RequestTracker that is always busy.
type busyTracker struct{}

func (busyTracker) Busy() bool { return true }
func (busyTracker) Drain(bool) {}

// tracked gives each stream's context a busyTracker.
type tracked struct{}

func (tracked) Info() pipeline.Info { return pipeline.Info{Name: "tracked"} }

func (tracked) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	s.Context().SetRequestTracker(busyTracker{})
	return next
}

func TestIdleTimeoutWaitsForTheRequestInFlight(t *testing.T) {
	r := newTimeoutRig(t, false, pipeline.ConnOptions{}, tracked{}, swallow)
	r.advance(10 * pipeline.DefaultIdleTimeout)
	assert.Nil(t, r.ended(), "a busy connection was taken for idle")
}

func TestWriteTimeoutClosesAClientThatDoesNotRead(t *testing.T) {
	flooded := make(chan struct{})
	flood := fn{"flood", func(s *pipeline.Stream, evt event.Event, next pipeline.Target) {
		if _, ok := evt.(*event.Data); ok {
			next.Input(event.FromBytes(make([]byte, 1<<20)))
			close(flooded)
			return
		}
		next.Input(evt)
	}}
	r := newTimeoutRig(t, true, pipeline.ConnOptions{}, flood)
	_, err := io.WriteString(r.client, "x") // read by the server; its answer is never read
	require.NoError(t, err)
	<-flooded
	r.barrier()
	r.advance(pipeline.DefaultWriteTimeout - time.Second)
	require.Nil(t, r.ended(), "closed before the write timeout")
	r.advance(time.Second)
	e := r.ended()
	require.NotNil(t, e, "a client that does not read was kept")
	assert.Equal(t, event.Timeout, e.Err)
	assert.True(t, errors.Is(e.Cause, pipeline.ErrWriteTimeout), "%v", e.Cause)
	select {
	case <-r.served:
		r.served <- nil
	case <-time.After(10 * time.Second):
		t.Fatal("the connection was not closed")
	}
}
