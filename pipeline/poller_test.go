//go:build linux

package pipeline_test

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/sluice-go/sluice/pipeline"
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
