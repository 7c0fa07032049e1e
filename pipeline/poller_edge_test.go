//go:build linux

package pipeline_test

import (
	"bytes"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/internal/testnet"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The worker's epoll set is edge-triggered: it reports a socket once for
// what arrived, and never again for what is left unread. These tests set up
// a socket that is reported once with everything already there, and check
// that everything is read anyway.

// waitPeerEnd waits until the peer's end (its FIN) has reached c, so that
// everything the peer wrote before it is in c's receive queue too.
func waitPeerEnd(t *testing.T, c *net.TCPConn) {
	t.Helper()
	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	require.NoError(t, err)
	defer syscall.Close(ep)
	rc, err := c.SyscallConn()
	require.NoError(t, err)
	var cerr error
	require.NoError(t, rc.Control(func(fd uintptr) {
		cerr = syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, int(fd), &syscall.EpollEvent{Events: syscall.EPOLLRDHUP})
	}))
	require.NoError(t, cerr)
	var ev [1]syscall.EpollEvent
	for {
		n, err := syscall.EpollWait(ep, ev[:], 20_000)
		if err == syscall.EINTR {
			continue
		}
		require.NoError(t, err)
		require.Equal(t, 1, n, "the peer's end never arrived")
		return
	}
}

// readAll starts a socket over sc with opts on a worker of its own and
// returns what its input brought: the bytes, and whether a SessionEnd
// followed them, within 20 seconds.
func readAll(t *testing.T, sc *net.TCPConn, opts pipeline.ConnOptions) ([]byte, bool) {
	t.Helper()
	g := pipeline.NewGroup(1, pipeline.WorkerOptions{})
	t.Cleanup(g.Close)
	w := g.Next()
	data := make(chan []byte, 1024)
	end := make(chan struct{})
	w.Post(func() {
		s := pipeline.NewStream(pipeline.New("p"), pipeline.NewContext(w), pipeline.TargetFunc(func(event.Event) {}))
		k := pipeline.NewSocket(s, sc, opts)
		k.Start(pipeline.TargetFunc(func(evt event.Event) {
			switch evt := evt.(type) {
			case *event.Data:
				data <- evt.Bytes()
			case *event.SessionEnd:
				close(end)
			}
		}), nil)
	})
	var got []byte
	timeout := time.After(20 * time.Second)
	for {
		select {
		case b := <-data:
			got = append(got, b...)
		case <-end:
			for len(data) > 0 {
				got = append(got, <-data...)
			}
			return got, true
		case <-timeout:
			return got, false
		}
	}
}

// TestEdgeTriggeredPollerReadsTheEndBehindTheData: the data and the peer's
// end are reported together; a short read takes the data, and the end,
// which gets no report of its own, must be read too.
func TestEdgeTriggeredPollerReadsTheEndBehindTheData(t *testing.T) {
	c, sc := testnet.Pair(t)
	_, err := c.Write([]byte("ping"))
	require.NoError(t, err)
	require.NoError(t, c.CloseWrite())
	waitPeerEnd(t, sc)
	got, ended := readAll(t, sc, pipeline.ConnOptions{})
	assert.Equal(t, "ping", string(got))
	assert.True(t, ended, "the end of input was never read")
}

// TestEdgeTriggeredPollerReadsPastItsReadAhead: more than ReadAhead bytes
// are reported at once; the rest is read in later batches, without a
// report.
func TestEdgeTriggeredPollerReadsPastItsReadAhead(t *testing.T) {
	c, sc := testnet.Pair(t)
	want := bytes.Repeat([]byte("0123456789abcdef"), 4<<10) // 64 KiB, four reads
	_, err := c.Write(want)
	require.NoError(t, err)
	require.NoError(t, c.CloseWrite())
	waitPeerEnd(t, sc)
	got, ended := readAll(t, sc, pipeline.ConnOptions{ReadAhead: 16 << 10}) // one read per batch
	assert.Equal(t, len(want), len(got))
	assert.True(t, bytes.Equal(want, got), "the bytes read differ from those sent")
	assert.True(t, ended, "the end of input was never read")
}
