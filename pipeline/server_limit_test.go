package pipeline_test

import (
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluice-go/sluice/pipeline"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countingListener counts the calls to Accept.
type countingListener struct {
	net.Listener
	accepts atomic.Int32
}

func (l *countingListener) Accept() (net.Conn, error) {
	l.accepts.Add(1)
	return l.Listener.Accept()
}

// TestServerStopsAcceptingAtMaxConnections checks that a server at its
// connection limit does not accept (the next client waits in the backlog)
// until a connection closes, and that Close ends a Serve that is waiting.
func TestServerStopsAcceptingAtMaxConnections(t *testing.T) {
	waits := make(chan struct{}, 16)
	defer pipeline.SetTestHookSlotWait(func() {
		select {
		case waits <- struct{}{}:
		default:
		}
	})()
	waitAtLimit := func() {
		t.Helper()
		select {
		case <-waits:
		case <-time.After(10 * time.Second):
			t.Fatal("the server did not stop at its connection limit")
		}
	}

	p := pipeline.New("upper", upper)
	p.ListenOptions.MaxConnections = 2
	srv := pipeline.NewServer(p, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	cl := &countingListener{Listener: ln}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(cl) }()
	addr := ln.Addr().String()

	// echo opens a connection and checks that it is served.
	echo := func(msg string) net.Conn {
		t.Helper()
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		c.SetDeadline(time.Now().Add(10 * time.Second))
		_, err = io.WriteString(c, msg)
		require.NoError(t, err)
		b := make([]byte, len(msg))
		_, err = io.ReadFull(c, b)
		require.NoError(t, err)
		require.Equal(t, strings.ToUpper(msg), string(b))
		return c
	}
	c1 := echo("a")
	defer c1.Close()
	c2 := echo("b")
	defer c2.Close()

	waitAtLimit()
	assert.EqualValues(t, 2, cl.accepts.Load(), "a server at its limit must not accept")
	assert.Equal(t, 2, srv.Stats().Conns)

	// A third client connects (the kernel queues it) and is served once
	// the first leaves.
	c3, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c3.Close()
	c3.SetDeadline(time.Now().Add(10 * time.Second))
	_, err = io.WriteString(c3, "c")
	require.NoError(t, err)
	require.NoError(t, c1.Close())
	b := make([]byte, 1)
	_, err = io.ReadFull(c3, b)
	require.NoError(t, err)
	assert.Equal(t, "C", string(b))

	waitAtLimit() // c2 and c3 are open: at the limit again
	require.NoError(t, srv.Close())
	select {
	case err := <-errc:
		assert.ErrorIs(t, err, pipeline.ErrServerClosed)
	case <-time.After(10 * time.Second):
		t.Fatal("Serve waiting for a free slot did not return after Close")
	}
}
