package pipeline_test

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/internal/testnet"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// relayEcho is a test filter whose instance is a Relayer. Offered a
// connection, it takes it (accept) and echoes what arrives unchanged, on a
// goroutine; on the event path it echoes in upper case, like upper. So what
// comes back tells which path served the connection.
type relayEcho struct {
	accept  bool
	offered atomic.Int32
}

func (*relayEcho) Info() pipeline.Info { return pipeline.Info{Name: "relayEcho"} }

func (f *relayEcho) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	return &relayEchoInst{f: f, s: s, next: next}
}

type relayEchoInst struct {
	f    *relayEcho
	s    *pipeline.Stream
	next pipeline.Target
}

func (r *relayEchoInst) Input(evt event.Event) { upper.New(r.s, r.next).Input(evt) }

func (r *relayEchoInst) Relay(c net.Conn, done func()) bool {
	r.f.offered.Add(1)
	if !r.f.accept {
		return false
	}
	r.s.OnClose(func() { c.Close() })
	go func() {
		io.CopyBuffer(struct{ io.Writer }{c}, struct{ io.Reader }{c}, make([]byte, 4096))
		c.Close()
		r.s.Post(func() { r.next.Input(&event.SessionEnd{}) })
		done()
	}()
	return true
}

func TestRelayerTakesTheConnection(t *testing.T) {
	check := pipelinetest.LeakCheck(t)
	f := &relayEcho{accept: true}
	srv := pipeline.NewServer(pipeline.New("relay", f), nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	assert.Equal(t, "hello", roundTrip(t, ln.Addr().String(), "hello"), "the relay echoed, not the event path")
	assert.Equal(t, "again", roundTrip(t, ln.Addr().String(), "again"))
	assert.EqualValues(t, 2, f.offered.Load())
	require.NoError(t, srv.Shutdown(context.Background()))
	require.ErrorIs(t, <-errc, pipeline.ErrServerClosed)
	check()
}

func TestRelayerThatDeclinesGetsEvents(t *testing.T) {
	f := &relayEcho{}
	addr := serve(t, pipeline.NewServer(pipeline.New("relay", f), nil))
	assert.Equal(t, "HELLO", roundTrip(t, addr, "hello"))
	assert.EqualValues(t, 1, f.offered.Load())
}

func TestRelayerIsNotOfferedWhatItCannotCarry(t *testing.T) {
	cert := testnet.NewCert(t, "sluice test").TLS
	for _, tc := range []struct {
		name  string
		setup func(f *relayEcho) *pipeline.Server
		tls   bool
	}{
		{"two filters", func(f *relayEcho) *pipeline.Server {
			return pipeline.NewServer(pipeline.New("relay", f, fn{"pass", func(_ *pipeline.Stream, e event.Event, next pipeline.Target) { next.Input(e) }}), nil)
		}, false},
		{"read timeout", func(f *relayEcho) *pipeline.Server {
			srv := pipeline.NewServer(pipeline.New("relay", f), nil)
			srv.Conn = pipeline.ConnOptions{ReadTimeout: time.Hour}
			return srv
		}, false},
		{"listen write timeout", func(f *relayEcho) *pipeline.Server {
			p := pipeline.New("relay", f)
			p.ListenOptions.Conn.WriteTimeout = time.Hour
			return pipeline.NewServer(p, nil)
		}, false},
		{"TLS", func(f *relayEcho) *pipeline.Server {
			srv := pipeline.NewServer(pipeline.New("relay", f), nil)
			srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
			return srv
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &relayEcho{accept: true}
			addr := serve(t, tc.setup(f))
			if tc.tls {
				c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
				require.NoError(t, err)
				defer c.Close()
				_, err = io.WriteString(c, "hello")
				require.NoError(t, err)
				require.NoError(t, c.CloseWrite())
				b, err := io.ReadAll(c)
				require.NoError(t, err)
				assert.Equal(t, "HELLO", string(b))
			} else {
				assert.Equal(t, "HELLO", roundTrip(t, addr, "hello"))
			}
			assert.Zero(t, f.offered.Load())
		})
	}
}

func TestServerCloseEndsRelayedConnections(t *testing.T) {
	check := pipelinetest.LeakCheck(t)
	f := &relayEcho{accept: true}
	g := pipeline.NewGroup(1, pipeline.WorkerOptions{})
	srv := pipeline.NewServer(pipeline.New("relay", f), g)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	var open []net.Conn
	for range 5 {
		c, err := net.Dial("tcp", ln.Addr().String())
		require.NoError(t, err)
		io.WriteString(c, "y")
		b := make([]byte, 1)
		_, err = io.ReadFull(c, b)
		require.NoError(t, err)
		require.Equal(t, "y", string(b))
		open = append(open, c)
	}
	require.NoError(t, srv.Close())
	require.ErrorIs(t, <-errc, pipeline.ErrServerClosed)
	for _, c := range open {
		_, err := io.ReadAll(c)
		assert.NoError(t, err, "closed by the server")
		c.Close()
	}
	g.Close()
	check()
}

func TestShutdownWaitsForRelayedConnections(t *testing.T) {
	check := pipelinetest.LeakCheck(t)
	f := &relayEcho{accept: true}
	srv := pipeline.NewServer(pipeline.New("relay", f), nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	b := make([]byte, 1)
	io.WriteString(c, "a")
	_, err = io.ReadFull(c, b)
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(context.Background()) }()
	require.ErrorIs(t, <-errc, pipeline.ErrServerClosed)
	io.WriteString(c, "b")
	_, err = io.ReadFull(c, b)
	require.NoError(t, err)
	assert.Equal(t, "b", string(b), "a relayed connection keeps working during shutdown")
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned before the relayed connection ended: %v", err)
	default:
	}
	c.(*net.TCPConn).CloseWrite()
	io.ReadAll(c)
	c.Close()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Shutdown did not return after the relayed connection ended")
	}
	check()
}
