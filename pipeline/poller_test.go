//go:build linux

package pipeline_test

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPollerReadsTCPConnections: on Linux, the worker's poller reads a
// served TCP connection (no reader goroutine).
func TestPollerReadsTCPConnections(t *testing.T) {
	before := pipeline.PolledReads()
	addr := serve(t, pipeline.NewServer(pipeline.New("echo"), nil))
	assert.Equal(t, "ping", roundTrip(t, addr, "ping"))
	assert.Greater(t, pipeline.PolledReads(), before, "the poller read the connection")
}

// TestPollerSeesTheEndThatCameWithTheData: a client that writes and closes
// at once often has its data and its FIN read by one read, which leaves no
// readiness of its own for the end of input. Each connection must still end.
func TestPollerSeesTheEndThatCameWithTheData(t *testing.T) {
	g := pipeline.NewGroup(1, pipeline.WorkerOptions{})
	defer g.Close()
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
	before := pipeline.PolledReads()
	t.Run("many clients", TestManyConcurrentClientsOnTwoWorkersGetEveryByteBack)
	t.Run("reset", TestClientResetGivesReadErrorSessionEnd)
	t.Run("panic", TestPanicEndsOnlyItsOwnConnection)
	t.Run("slow reader", TestSlowReaderBoundsWhatIsQueued)
	t.Run("no leaks", TestNoGoroutineOrFDSurvivesClosedServer)
	t.Run("end with data", TestPollerSeesTheEndThatCameWithTheData)
	require.Equal(t, before, pipeline.PolledReads(), "no poller read")
}

// TestClosingTheGroupReleasesPolledSockets: a socket left open when its
// group closes is closed with it, and its worker's poller stops: no
// goroutine or descriptor remains.
func TestClosingTheGroupReleasesPolledSockets(t *testing.T) {
	check := pipelinetest.LeakCheck(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	sc, err := ln.Accept()
	require.NoError(t, err)

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
	_, err = c.Write([]byte("hi"))
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
	ln.Close()
	check()
}
