package pipeline_test

import (
	"crypto/tls"
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

// TestTLSSocketCloseDoesNotWaitForThePeer checks that closing a TLS socket
// does not block the worker while the close_notify alert waits for a peer
// that is not reading: the alert is written after Close has returned.
func TestTLSSocketCloseDoesNotWaitForThePeer(t *testing.T) {
	srvSide, cliSide := net.Pipe() // unbuffered: a write waits for the reader
	defer cliSide.Close()
	srv := tls.Server(srvSide, &tls.Config{Certificates: []tls.Certificate{testnet.NewCert(t, "sluice test").TLS}})
	cli := tls.Client(cliSide, &tls.Config{InsecureSkipVerify: true})
	hs := make(chan error, 1)
	go func() { hs <- srv.Handshake() }()
	require.NoError(t, cli.Handshake())
	require.NoError(t, <-hs)

	w := pipeline.NewWorker(pipeline.WorkerOptions{Logger: pipelinetest.TestLogger(t)})
	var k *pipeline.Socket
	w.Post(func() {
		st := pipeline.NewStream(pipeline.New("p"), pipeline.NewContext(w), nil)
		k = pipeline.NewSocket(st, srv, pipeline.ConnOptions{})
		k.Close() // nobody reads cliSide yet
	})
	w.RunPending()

	// Only now does the peer read: it gets the alert record, which a Close
	// that wrote it itself could not have delivered (its write would have
	// timed out first, with nobody reading, and the pipe closed).
	cliSide.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := cliSide.Read(make([]byte, 64))
	assert.NoError(t, err)
	assert.Positive(t, n, "the peer should receive the close_notify record")
	k.Wait()
}

// TestTLSHandshakeTimeout checks that a client which connects to a TLS
// server and never sends its hello is cut off: the connection closes and the
// stream ends with a Timeout SessionEnd.
func TestTLSHandshakeTimeout(t *testing.T) {
	ends := make(chan *event.SessionEnd, 1)
	p := pipeline.New("tls", fn{"watch", func(_ *pipeline.Stream, evt event.Event, next pipeline.Target) {
		if e, ok := evt.(*event.SessionEnd); ok {
			ends <- e
		}
		next.Input(evt)
	}})
	srv := pipeline.NewServer(p, nil)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{testnet.NewCert(t, "sluice test").TLS}}
	srv.Conn = pipeline.ConnOptions{HandshakeTimeout: 20 * time.Millisecond}
	addr := serve(t, srv)

	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(10 * time.Second)) // a bound, not a timing
	_, err = c.Read(make([]byte, 1))
	require.ErrorIs(t, err, io.EOF, "the server should close a connection that never starts its handshake")
	select {
	case e := <-ends:
		assert.Equal(t, event.Timeout, e.Err, "%v", e)
	case <-time.After(10 * time.Second):
		t.Fatal("no SessionEnd")
	}
}
