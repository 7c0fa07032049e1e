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

// TestTLSALPNKnownBeforeInput checks that the protocol a TLS connection
// agreed on by ALPN is in its context when its first input arrives, also
// without a handshake timeout of its own.
func TestTLSALPNKnownBeforeInput(t *testing.T) {
	for _, hs := range []time.Duration{0, -1} {
		seen := make(chan string, 1)
		p := pipeline.New("tls", fn{"watch", func(s *pipeline.Stream, evt event.Event, next pipeline.Target) {
			if _, ok := evt.(*event.Data); ok {
				select {
				case seen <- s.Context().ALPN():
				default:
				}
			}
			next.Input(evt)
		}})
		srv := pipeline.NewServer(p, nil)
		cert := testnet.NewCert(t, "sluice test")
		srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert.TLS}, NextProtos: []string{"h2", "http/1.1"}}
		srv.Conn = pipeline.ConnOptions{HandshakeTimeout: hs}
		addr := serve(t, srv)

		c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: cert.Pool, ServerName: "localhost", NextProtos: []string{"h2"}})
		require.NoError(t, err)
		_, err = c.Write([]byte("x"))
		require.NoError(t, err)
		select {
		case got := <-seen:
			assert.Equal(t, "h2", got, "handshake timeout %v", hs)
		case <-time.After(10 * time.Second):
			t.Fatal("no input")
		}
		c.Close()
	}
}
