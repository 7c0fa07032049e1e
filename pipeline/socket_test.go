package pipeline_test

import (
	"bytes"
	"errors"
	"io"
	"net"
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

// sockRig joins one end of a connection to a stream on a worker with a
// manual clock, as a Server does, and records what the stream receives;
// peer is the other end.
type sockRig struct {
	t     *testing.T
	clock *pipelinetest.Clock
	w     *pipeline.Worker
	st    *pipeline.Stream
	k     *pipeline.Socket
	peer  net.Conn

	mu       sync.Mutex
	got      bytes.Buffer  // the Data the stream received
	arrived  chan struct{} // a signal for each Data
	ends     chan *event.SessionEnd
	readDone chan struct{}
}

// newSockRig makes the rig on a TCP connection, or with pipe on net.Pipe
// (read by a goroutine, and a write waits for the peer to read), with an
// inbound socket, or with outbound an outbound one. The socket is started.
func newSockRig(t *testing.T, pipe, outbound bool, opts pipeline.ConnOptions) *sockRig {
	t.Helper()
	return newSockRigWith(t, pipe, outbound, opts, nil, nil)
}

// newSockRigWith is newSockRig with the socket's end of the connection
// wrapped by wrap, and setup run on the worker before the socket starts,
// when they are not nil.
func newSockRigWith(t *testing.T, pipe, outbound bool, opts pipeline.ConnOptions, wrap func(net.Conn) net.Conn, setup func(*pipeline.Stream)) *sockRig {
	t.Helper()
	check := pipelinetest.LeakCheck(t)
	r := &sockRig{t: t, clock: pipelinetest.NewClock(), ends: make(chan *event.SessionEnd, 4), arrived: make(chan struct{}, 64), readDone: make(chan struct{})}
	g := pipeline.NewGroup(1, pipeline.WorkerOptions{Clock: r.clock, Logger: pipelinetest.TestLogger(t)})
	r.w = g.Workers()[0]
	var mine net.Conn
	if pipe {
		r.peer, mine = net.Pipe()
	} else {
		r.peer, mine = testnet.Pair(t)
	}
	if wrap != nil {
		mine = wrap(mine)
	}
	record := fn{"record", func(_ *pipeline.Stream, evt event.Event, next pipeline.Target) {
		switch e := evt.(type) {
		case *event.Data:
			r.mu.Lock()
			r.got.WriteString(e.String())
			r.mu.Unlock()
			r.arrived <- struct{}{}
		case *event.SessionEnd:
			r.ends <- e
		}
		next.Input(evt)
	}}
	r.on(func() {
		r.st = pipeline.NewStream(pipeline.New("sock", record), pipeline.NewContext(r.w), nil)
		if outbound {
			r.k = pipeline.NewOutboundSocket(r.st, mine, opts)
		} else {
			r.k = pipeline.NewSocket(r.st, mine, opts)
		}
		if setup != nil {
			setup(r.st)
		}
		r.k.Start(r.st, func() { close(r.readDone) })
	})
	t.Cleanup(func() {
		r.on(r.k.Close)
		r.k.Wait()
		r.peer.Close()
		g.Close()
		check()
	})
	return r
}

// on runs f on the worker and returns once it has run.
func (r *sockRig) on(f func()) {
	r.t.Helper()
	done := make(chan struct{})
	r.w.Post(func() { f(); close(done) })
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		r.t.Fatal("the worker did not run the task")
	}
}

// advance moves the clock and lets the worker run what the timers posted.
func (r *sockRig) advance(d time.Duration) {
	r.on(func() {})
	r.clock.Advance(d, func() { r.on(func() {}) })
	r.on(func() {})
}

// waitEnd returns the SessionEnd the stream receives.
func (r *sockRig) waitEnd() *event.SessionEnd {
	r.t.Helper()
	select {
	case e := <-r.ends:
		return e
	case <-time.After(10 * time.Second):
		r.t.Fatal("no SessionEnd")
		return nil
	}
}

// ended reports whether the stream has received a SessionEnd, and puts it
// back.
func (r *sockRig) ended() bool {
	select {
	case e := <-r.ends:
		r.ends <- e
		return true
	default:
		return false
	}
}

func (r *sockRig) data() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.got.String()
}

// readPeer reads from the peer until n bytes or its end.
func (r *sockRig) readPeer(n int) string {
	r.t.Helper()
	r.peer.SetReadDeadline(time.Now().Add(10 * time.Second))
	b := make([]byte, n)
	m, err := io.ReadFull(r.peer, b)
	require.NoError(r.t, err, "read %q", b[:m])
	return string(b)
}

// peerEOF reports whether the peer's next read finds the end of the data.
func (r *sockRig) peerEOF() bool {
	r.peer.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := r.peer.Read(make([]byte, 1))
	return n == 0 && err == io.EOF
}

// TestSocketReadsUntilTheEnd: what the peer sends comes into the stream as
// Data, in order, and its end as one SessionEnd without error; reading then
// stops. Both readers: the worker's poller (TCP) and a goroutine (pipe).
func TestSocketReadsUntilTheEnd(t *testing.T) {
	for _, pipe := range []bool{false, true} {
		t.Run(map[bool]string{false: "tcp", true: "pipe"}[pipe], func(t *testing.T) {
			r := newSockRig(t, pipe, false, pipeline.ConnOptions{})
			for _, s := range []string{"hello ", "there ", "world"} {
				_, err := io.WriteString(r.peer, s)
				require.NoError(t, err)
			}
			if pipe {
				r.peer.Close()
			} else {
				r.peer.(*net.TCPConn).CloseWrite()
			}
			e := r.waitEnd()
			assert.Equal(t, event.NoError, e.Err, "%v", e)
			assert.Equal(t, "hello there world", r.data())
			select {
			case <-r.readDone:
			case <-time.After(10 * time.Second):
				t.Fatal("onDone did not run")
			}
			assert.False(t, r.ended(), "one SessionEnd only")
		})
	}
}

// TestSocketWritesAtTheEndOfTheBatch: Write queues; the worker writes what
// a batch queued when the batch ends, and counts it.
func TestSocketWritesAtTheEndOfTheBatch(t *testing.T) {
	r := newSockRig(t, false, false, pipeline.ConnOptions{})
	var queued int
	var written int64
	r.on(func() {
		r.k.Write(event.FromString("abc"))
		r.k.Write(event.FromString("defg"))
		r.k.Write(event.NewData()) // nothing to write
		queued, written = r.k.Queued(), r.k.Written()
	})
	assert.Equal(t, 7, queued, "queued until the batch ends")
	assert.Zero(t, written)
	assert.Equal(t, "abcdefg", r.readPeer(7))
	r.on(func() { queued, written = r.k.Queued(), r.k.Written() })
	assert.Zero(t, queued)
	assert.EqualValues(t, 7, written)
	r.on(func() { queued = r.k.PeakQueued() })
	assert.Equal(t, 7, queued)
}

// TestSocketHalfClose: End(true) sends what is queued, then a FIN, and the
// socket goes on reading what the peer sends until its own end.
func TestSocketHalfClose(t *testing.T) {
	r := newSockRig(t, false, false, pipeline.ConnOptions{})
	r.on(func() {
		r.k.Write(event.FromString("bye"))
		r.k.End(true)
		r.k.Write(event.FromString("dropped")) // after End
	})
	assert.Equal(t, "bye", r.readPeer(3))
	assert.True(t, r.peerEOF(), "a FIN after what was queued")
	assert.False(t, r.ended(), "the reading side is open")
	_, err := io.WriteString(r.peer, "still here")
	require.NoError(t, err)
	r.peer.(*net.TCPConn).CloseWrite()
	e := r.waitEnd()
	assert.Equal(t, event.NoError, e.Err, "%v", e)
	assert.Equal(t, "still here", r.data())
}

// TestSocketEndClosesAfterEverythingIsWritten: End(false) closes the
// connection once all that was queued, more than one write takes, is
// written; an outbound socket does not linger.
func TestSocketEndClosesAfterEverythingIsWritten(t *testing.T) {
	r := newSockRig(t, false, true, pipeline.ConnOptions{})
	want := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	r.on(func() {
		r.k.Write(event.FromBytes(want))
		r.k.End(false)
	})
	r.peer.SetReadDeadline(time.Now().Add(10 * time.Second))
	got, err := io.ReadAll(r.peer)
	require.NoError(t, err)
	assert.Equal(t, len(want), len(got))
	assert.True(t, bytes.Equal(want, got), "the bytes came in order")
	r.k.Wait() // closed by itself
}

// TestSocketReadTimeout: with a ReadTimeout, a peer that sends nothing gets
// its connection ended with a Timeout SessionEnd.
func TestSocketReadTimeout(t *testing.T) {
	r := newSockRig(t, true, false, pipeline.ConnOptions{ReadTimeout: 20 * time.Millisecond})
	e := r.waitEnd()
	assert.Equal(t, event.Timeout, e.Err, "%v", e)
	assert.Empty(t, r.data())
}

// TestSocketIdleTimeoutCountsFromTheLastByte: an inbound socket idle for
// IdleTimeout on the worker's clock ends with a Timeout SessionEnd and closes
// the connection; a byte read starts the count again.
func TestSocketIdleTimeoutCountsFromTheLastByte(t *testing.T) {
	r := newSockRig(t, false, false, pipeline.ConnOptions{IdleTimeout: 10 * time.Second})
	r.advance(8 * time.Second)
	require.False(t, r.ended())
	_, err := io.WriteString(r.peer, "x")
	require.NoError(t, err)
	select {
	case <-r.arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the byte did not arrive")
	}
	r.advance(8 * time.Second)
	require.False(t, r.ended(), "8 s after the last byte")
	r.advance(3 * time.Second)
	e := r.waitEnd()
	assert.Equal(t, event.Timeout, e.Err, "%v", e)
	assert.True(t, r.peerEOF(), "the connection is closed")
}

// TestSocketWriteWaterMarks: an inbound socket whose queue passes the high
// mark closes its context's valves (both: the pipeline may answer the peer
// from what it reads from it), and opens them when the peer has read the
// queue down below the low mark.
func TestSocketWriteWaterMarks(t *testing.T) {
	r := newSockRig(t, true, false, pipeline.ConnOptions{WriteHighWater: 1000, WriteLowWater: 100})
	ctx := r.st.Context()
	var open, returnOpen bool
	r.on(func() {
		r.k.Write(event.FromString(string(bytes.Repeat([]byte("x"), 600))))
		open = ctx.Valve().IsOpen()
	})
	assert.True(t, open, "under the high mark")
	r.on(func() {
		r.k.Write(event.FromString(string(bytes.Repeat([]byte("y"), 600))))
		open, returnOpen = ctx.Valve().IsOpen(), ctx.ReturnValve().IsOpen()
	})
	assert.False(t, open, "past the high mark")
	assert.False(t, returnOpen)
	got := r.readPeer(1200) // net.Pipe: the writer waited for this
	assert.Equal(t, 600, bytes.Count([]byte(got), []byte("x")))
	timeout := make(chan struct{})
	timer := time.AfterFunc(10*time.Second, func() { close(timeout) })
	defer timer.Stop()
	require.True(t, ctx.Valve().Wait(timeout), "the valve opens once the queue drained")
	require.True(t, ctx.ReturnValve().Wait(timeout))
}

// brokenWriter is a connection whose writes fail.
type brokenWriter struct{ net.Conn }

func (brokenWriter) Write([]byte) (int, error) { return 0, errBroken }

var errBroken = errors.New("broken pipe, as a test says")

// TestSocketWriteErrorEndsTheStream: a write that fails closes the socket
// and ends the stream with a WriteError SessionEnd carrying the error.
func TestSocketWriteErrorEndsTheStream(t *testing.T) {
	r := newSockRigWith(t, true, false, pipeline.ConnOptions{}, func(c net.Conn) net.Conn { return brokenWriter{c} }, nil)
	r.on(func() { r.k.Write(event.FromString("into the void")) })
	e := r.waitEnd()
	assert.Equal(t, event.WriteError, e.Err, "%v", e)
	assert.ErrorIs(t, e.Cause, errBroken)
	assert.True(t, r.peerEOF(), "the connection is closed")
}

// TestSocketReadsWhileItsValveIsOpen: an inbound socket does not read while
// its context's Valve is closed, an outbound one while its ReturnValve is;
// each ignores the other valve.
func TestSocketReadsWhileItsValveIsOpen(t *testing.T) {
	for _, outbound := range []bool{false, true} {
		t.Run(map[bool]string{false: "inbound", true: "outbound"}[outbound], func(t *testing.T) {
			waiting := make(chan struct{}, 1)
			defer pipeline.SetTestHookValveWait(func() {
				select {
				case waiting <- struct{}{}:
				default:
				}
			})()
			valves := func(s *pipeline.Stream) (own, other *pipeline.Valve) {
				if outbound {
					return s.Context().ReturnValve(), s.Context().Valve()
				}
				return s.Context().Valve(), s.Context().ReturnValve()
			}
			r := newSockRigWith(t, true, outbound, pipeline.ConnOptions{}, nil, func(s *pipeline.Stream) {
				own, other := valves(s)
				own.Pause()
				other.Pause()
			})
			select {
			case <-waiting:
			case <-time.After(10 * time.Second):
				t.Fatal("the reader did not wait")
			}
			sent := make(chan error, 1)
			go func() { _, err := io.WriteString(r.peer, "a"); sent <- err }() // net.Pipe: returns once read
			own, other := valves(r.st)
			select {
			case <-sent:
				t.Fatal("read while the valve is closed")
			default:
			}
			assert.Empty(t, r.data())
			own.Resume() // the other stays closed
			select {
			case <-r.arrived:
			case <-time.After(10 * time.Second):
				t.Fatal("reading did not resume: it waits on the wrong valve")
			}
			require.NoError(t, <-sent)
			assert.Equal(t, "a", r.data())
			other.Resume()
		})
	}
}

// TestOutboundSocketCongestionClosesOnlyTheValve: an outbound socket past
// its high mark pauses the client's side (Valve) but not the reading of its
// own upstream (ReturnValve), so an upstream that waits to write is drained.
func TestOutboundSocketCongestionClosesOnlyTheValve(t *testing.T) {
	r := newSockRig(t, true, true, pipeline.ConnOptions{WriteHighWater: 10, WriteLowWater: 1})
	ctx := r.st.Context()
	var open, returnOpen bool
	r.on(func() {
		r.k.Write(event.FromString("more than ten bytes"))
		open, returnOpen = ctx.Valve().IsOpen(), ctx.ReturnValve().IsOpen()
	})
	assert.False(t, open)
	assert.True(t, returnOpen)
	r.readPeer(len("more than ten bytes"))
	timeout := make(chan struct{})
	timer := time.AfterFunc(10*time.Second, func() { close(timeout) })
	defer timer.Stop()
	require.True(t, ctx.Valve().Wait(timeout), "the valve opens once the queue drained")
}
