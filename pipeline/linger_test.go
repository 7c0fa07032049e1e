package pipeline_test

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/internal/testnet"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/require"
)

// refuse answers the first Data with "NO" and ends the stream: the server
// closes first, while the client may still be sending.
var refuse = fn{"refuse", func(s *pipeline.Stream, evt event.Event, next pipeline.Target) {
	if _, ok := evt.(*event.Data); ok {
		next.Input(event.FromString("NO"))
		next.Input(&event.SessionEnd{})
	}
}}

// lingerRig serves one TCP connection with refuse on a worker with a manual
// clock. Its client has sent one byte and read the answer and the server's
// end of writing (the FIN of a lingering close, or of a plain one).
type lingerRig struct {
	t         *testing.T
	clock     *pipelinetest.Clock
	w         *pipeline.Worker
	srv       *pipeline.Server
	client    *net.TCPConn
	served    chan error
	discarded chan struct{}
}

// forEachReader runs f with the worker's poller, and with reader goroutines.
func forEachReader(t *testing.T, f func(t *testing.T)) {
	t.Run("poller", f)
	t.Run("reader goroutine", func(t *testing.T) {
		defer pipeline.UsePoller(false)()
		f(t)
	})
}

func newLingerRig(t *testing.T, opts pipeline.ConnOptions) *lingerRig {
	t.Helper()
	return newLingerRigSending(t, opts, 0)
}

// newLingerRigSending is newLingerRig with a client that sends, after its
// first byte, body more bytes, all of them, before it reads.
func newLingerRigSending(t *testing.T, opts pipeline.ConnOptions, body int) *lingerRig {
	t.Helper()
	check := pipelinetest.LeakCheck(t)
	r := &lingerRig{t: t, clock: pipelinetest.NewClock(), served: make(chan error, 1), discarded: make(chan struct{}, 64)}
	t.Cleanup(pipeline.SetTestHookLingerDiscard(func() {
		select {
		case r.discarded <- struct{}{}:
		default:
		}
	}))
	g := pipeline.NewGroup(1, pipeline.WorkerOptions{Clock: r.clock, Logger: pipelinetest.TestLogger(t)})
	r.w = g.Workers()[0]
	r.srv = pipeline.NewServer(pipeline.New("linger", refuse), g)
	r.srv.Conn = opts
	client, server := testnet.Pair(t)
	r.client = client
	go func() { r.served <- r.srv.ServeConn(context.Background(), server) }()
	t.Cleanup(func() {
		client.Close()
		<-r.served
		r.srv.Close()
		g.Close()
		check()
	})
	client.SetDeadline(time.Now().Add(10 * time.Second))
	_, err := io.WriteString(client, "x")
	require.NoError(t, err)
	chunk := make([]byte, 16<<10)
	for n := 0; n < body; n += len(chunk) {
		_, err := client.Write(chunk)
		require.NoError(t, err, "the server closed with bytes unread: a reset")
	}
	got, err := io.ReadAll(client) // up to the server's FIN
	require.NoError(t, err)
	require.Equal(t, "NO", string(got))
	r.barrier()
	return r
}

// barrier returns once the worker has run everything posted to it so far.
func (r *lingerRig) barrier() {
	done := make(chan struct{})
	r.w.Post(func() { close(done) })
	<-done
}

// advance moves the clock and lets the worker run what the timers posted.
func (r *lingerRig) advance(d time.Duration) {
	r.barrier()
	r.clock.Advance(d, r.barrier)
	r.barrier()
}

// open reports whether the server still holds the connection.
func (r *lingerRig) open() bool {
	select {
	case err := <-r.served:
		r.served <- err
		return false
	default:
		return true
	}
}

// waitClosed waits (up to a deadline) for the server to let the
// connection go.
func (r *lingerRig) waitClosed() bool {
	select {
	case err := <-r.served:
		r.served <- err
		return true
	case <-time.After(10 * time.Second):
		return false
	}
}

// send sends a byte and waits until the lingering server has discarded it.
func (r *lingerRig) send() {
	r.t.Helper()
	_, err := io.WriteString(r.client, "y")
	require.NoError(r.t, err)
	select {
	case <-r.discarded:
	case <-time.After(10 * time.Second):
		r.t.Fatal("the lingering server did not read what was sent")
	}
}

func TestLingeringCloseEndsAfterLingerTimeoutOfSilence(t *testing.T) {
	forEachReader(t, func(t *testing.T) {
		r := newLingerRig(t, pipeline.ConnOptions{})
		require.True(t, r.open(), "closed at once: no lingering")
		r.advance(pipeline.DefaultLingerTimeout - time.Second)
		r.send() // what arrives is read and dropped; the silence starts again
		r.advance(pipeline.DefaultLingerTimeout - time.Second)
		require.True(t, r.open(), "closed before LingerTimeout of silence")
		r.advance(time.Second)
		require.True(t, r.waitClosed(), "still open after LingerTimeout of silence")
	})
}

func TestLingeringCloseEndsAfterLingerTimeEvenWhileDataComes(t *testing.T) {
	forEachReader(t, func(t *testing.T) {
		r := newLingerRig(t, pipeline.ConnOptions{LingerTimeout: 10 * time.Second, LingerTime: 30 * time.Second})
		for range 7 { // 28 s, never 10 s silent
			r.send()
			r.advance(4 * time.Second)
			require.True(t, r.open(), "closed before LingerTime while data came")
		}
		r.send()
		r.advance(2 * time.Second)
		require.True(t, r.waitClosed(), "still open after LingerTime")
	})
}

func TestLingeringCloseEndsAtTheClientsEnd(t *testing.T) {
	forEachReader(t, func(t *testing.T) {
		r := newLingerRig(t, pipeline.ConnOptions{})
		r.send()
		require.True(t, r.open())
		require.NoError(t, r.client.CloseWrite())
		require.True(t, r.waitClosed(), "the client's end did not end the lingering")
	})
}

func TestNegativeLingerTimeoutClosesAtOnce(t *testing.T) {
	forEachReader(t, func(t *testing.T) {
		r := newLingerRig(t, pipeline.ConnOptions{LingerTimeout: -1})
		require.True(t, r.waitClosed(), "lingered with LingerTimeout < 0")
	})
}

func TestShutdownClosesLingeringConnectionsAtOnce(t *testing.T) {
	forEachReader(t, func(t *testing.T) {
		r := newLingerRig(t, pipeline.ConnOptions{})
		require.True(t, r.open(), "closed at once: no lingering")
		done := make(chan error, 1)
		go func() { done <- r.srv.Shutdown(context.Background()) }()
		select { // the clock stands still: only closing at once ends it
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(10 * time.Second):
			t.Fatal("Shutdown waited for a lingering connection")
		}
		require.True(t, r.waitClosed())
	})
}

// A client that goes on sending after the server answered and ended (an
// early refusal) can send it all and then read the answer, on either reader.
func TestLingeringCloseLetsAClientStillSendingReadTheAnswer(t *testing.T) {
	forEachReader(t, func(t *testing.T) {
		r := newLingerRigSending(t, pipeline.ConnOptions{}, 4<<20)
		require.True(t, r.open())
	})
}
