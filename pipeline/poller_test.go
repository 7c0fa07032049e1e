//go:build linux

package pipeline_test

import (
	"io"
	"net"
	"runtime"
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

// TestPollerReadsTCPConnections: on Linux, a served TCP connection is read
// by a poller its worker makes for it (no reader goroutine).
func TestPollerReadsTCPConnections(t *testing.T) {
	before := pipeline.PollersMade()
	addr := serve(t, pipeline.NewServer(pipeline.New("echo"), nil))
	assert.Equal(t, "ping", roundTrip(t, addr, "ping"))
	assert.Greater(t, pipeline.PollersMade(), before, "a worker made a poller for the connection")
}

// TestPollerSeesTheEndThatCameWithTheData: a client that writes and closes
// at once often has its data and its FIN read by one read, which leaves no
// readiness of its own for the end of input. Each connection must still end.
func TestPollerSeesTheEndThatCameWithTheData(t *testing.T) {
	g := pipeline.NewGroup(1, pipeline.WorkerOptions{})
	t.Cleanup(g.Close) // after the server closes (cleanups run last first)
	addr := serve(t, pipeline.NewServer(pipeline.New("echo"), g))
	const conns = 300
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range conns / 4 {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					errs <- err
					return
				}
				c.SetDeadline(time.Now().Add(20 * time.Second))
				c.Write([]byte("ping"))
				c.(*net.TCPConn).CloseWrite()
				b, err := io.ReadAll(c)
				c.Close()
				if err == nil && string(b) != "ping" {
					err = io.ErrUnexpectedEOF
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestServerWithReaderGoroutines runs the server's connection tests with the
// poller off: the reader goroutines (TLS, other systems, read timeouts) keep
// every guarantee.
func TestServerWithReaderGoroutines(t *testing.T) {
	defer pipeline.UsePoller(false)()
	before := pipeline.PollersMade()
	t.Run("many clients", TestManyConcurrentClientsOnTwoWorkersGetEveryByteBack)
	t.Run("reset", TestClientResetGivesReadErrorSessionEnd)
	t.Run("panic", TestPanicEndsOnlyItsOwnConnection)
	t.Run("slow reader", TestSlowReaderBoundsWhatIsQueued)
	t.Run("no leaks", TestNoGoroutineOrFDSurvivesClosedServer)
	t.Run("end with data", TestPollerSeesTheEndThatCameWithTheData)
	require.Equal(t, before, pipeline.PollersMade(), "no poller made")
}

// TestClosingTheGroupReleasesPolledSockets: a socket left open when its
// group closes is closed with it, and its worker's poller stops: no
// goroutine or descriptor remains.
func TestClosingTheGroupReleasesPolledSockets(t *testing.T) {
	check := pipelinetest.LeakCheck(t)
	c, sc := testnet.Pair(t)

	g := pipeline.NewGroup(1, pipeline.WorkerOptions{})
	w := g.Next()
	got := make(chan string, 1)
	w.Post(func() {
		s := pipeline.NewStream(pipeline.New("p"), pipeline.NewContext(w), pipeline.TargetFunc(func(event.Event) {}))
		k := pipeline.NewSocket(s, sc, pipeline.ConnOptions{})
		k.Start(pipeline.TargetFunc(func(evt event.Event) {
			if d, ok := evt.(*event.Data); ok {
				got <- d.String()
			}
		}), nil)
	})
	_, err := c.Write([]byte("hi"))
	require.NoError(t, err)
	select {
	case s := <-got:
		assert.Equal(t, "hi", s)
	case <-time.After(20 * time.Second):
		t.Fatal("nothing read")
	}
	g.Close()
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	_, err = c.Read(make([]byte, 1))
	assert.ErrorIs(t, err, io.EOF, "the server side is closed")
	c.Close()
	check()
}

// TestParkedSocketIsNotReportedWhenReset: a socket whose reading paused
// (its valve closed) is out of its worker's epoll set; its client's reset
// does not make the poller report it (a set reports hang-ups even to
// members waiting for nothing).
func TestParkedSocketIsNotReportedWhenReset(t *testing.T) {
	paused := make(chan struct{}, 1)
	// Restored after the server has closed (cleanups run last first), once
	// every goroutine that may run the hook has exited.
	t.Cleanup(pipeline.SetTestHookValveWait(func() {
		select {
		case paused <- struct{}{}:
		default:
		}
	}))
	g := pipeline.NewGroup(1, pipeline.WorkerOptions{})
	t.Cleanup(g.Close)
	// Echo; the first Data closes the connection's valve for good.
	pause := fn{"pause", func(s *pipeline.Stream, evt event.Event, next pipeline.Target) {
		if _, ok := evt.(*event.Data); ok && s.Context().Valve().IsOpen() {
			s.Context().Valve().Pause()
		}
		next.Input(evt)
	}}
	addr := serve(t, pipeline.NewServer(pipeline.New("pause", pause), g))
	a, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	a.SetDeadline(time.Now().Add(20 * time.Second))
	echo(t, a, "a") // closes a's valve
	_, err = io.WriteString(a, "b")
	require.NoError(t, err)
	select {
	case <-paused: // the worker found a readable with its valve closed
	case <-time.After(20 * time.Second):
		t.Fatal("reading never paused")
	}
	before := pipeline.ParkedPolls()
	a.(*net.TCPConn).SetLinger(0)
	a.Close() // reset
	// Another connection on the same worker: once its echo is back, the
	// worker has polled its set after the reset.
	b, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer b.Close()
	b.SetDeadline(time.Now().Add(20 * time.Second))
	echo(t, b, "x")
	assert.Equal(t, before, pipeline.ParkedPolls(), "the reset socket was reported")
}

// TestIdleConnectionsHoldNoGoroutine: on Linux, a served TCP connection that
// waits for its client costs no goroutine: its worker's poller reads it, and
// the server learns that it is finished from the socket itself.
func TestIdleConnectionsHoldNoGoroutine(t *testing.T) {
	g := pipeline.NewGroup(1, pipeline.WorkerOptions{})
	t.Cleanup(g.Close) // after the server closes (cleanups run last first)
	addr := serve(t, pipeline.NewServer(pipeline.New("echo"), g))
	c0, err := net.Dial("tcp", addr) // the worker's poller starts here
	require.NoError(t, err)
	defer c0.Close()
	c0.SetDeadline(time.Now().Add(10 * time.Second))
	echo(t, c0, "x")
	before := runtime.NumGoroutine()
	const conns = 50
	for range conns {
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		echo(t, c, "x") // served, and now idle
	}
	assert.Less(t, runtime.NumGoroutine()-before, conns/5,
		"%d idle connections should not hold a goroutine each", conns)
}

// echo writes msg on c and reads it back (the caller sets c's deadline).
func echo(t *testing.T, c net.Conn, msg string) {
	t.Helper()
	_, err := io.WriteString(c, msg)
	require.NoError(t, err)
	b := make([]byte, len(msg))
	_, err = io.ReadFull(c, b)
	require.NoError(t, err)
	require.Equal(t, msg, string(b))
}
