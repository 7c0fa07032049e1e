package pipeline_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// relayFilter is obFilter that, on the first Data, as connect does, asks its Outbound to relay the stream's inbound
// connection (which it declines where that cannot be): so it echoes through
// an echo upstream on either path, and RelayCounts tells which path served.
type relayFilter struct{ obFilter }

func (f *relayFilter) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	i := &relayInst{obInst: obInst{f: &f.obFilter, o: pipeline.NewOutbound(s, next, f.opts)}, s: s}
	return i
}

type relayInst struct {
	obInst
	s *pipeline.Stream
}

func (i *relayInst) Input(evt event.Event) {
	if _, ok := evt.(*event.Data); ok && !i.o.Connected() && !i.o.Done() {
		i.o.Dial(i.f.target)
		i.o.Relay(i.s.Inbound(i))
	}
	i.obInst.Input(evt)
}

// relayed returns a function that reports how many connections were relayed,
// and how many spliced, since relayed was called.
func relayed() func() (accepted, spliced int64) {
	a0, s0 := pipeline.RelayCounts()
	return func() (int64, int64) {
		a, s := pipeline.RelayCounts()
		return a - a0, s - s0
	}
}

func echoUpstream(t *testing.T) string { return echoServer(t, func(c net.Conn) { io.Copy(c, c) }) }

// TestRelayTakesTheConnection: a Server knows nothing of relays, yet the
// sole filter of its stream takes the connection to the kernel.
func TestRelayTakesTheConnection(t *testing.T) {
	up := echoUpstream(t)
	check := pipelinetest.LeakCheck(t)
	counts := relayed()
	srv := pipeline.NewServer(pipeline.New("relay", &relayFilter{obFilter{target: up}}), nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	assert.Equal(t, "hello", roundTrip(t, ln.Addr().String(), "hello"))
	assert.Equal(t, "again", roundTrip(t, ln.Addr().String(), "again"))
	accepted, spliced := counts()
	assert.EqualValues(t, 2, accepted)
	assert.EqualValues(t, 2, spliced)
	require.NoError(t, srv.Shutdown(context.Background()))
	require.ErrorIs(t, <-errc, pipeline.ErrServerClosed)
	assert.Zero(t, srv.Stats().Conns, "the relayed connections ended")
	check()
}

// TestRelayIsNotTakenWhereBytesMustBeSeen: a second filter, the socket's
// own timeouts, TLS on either side keep the bytes on the event path.
func TestRelayIsNotTakenWhereBytesMustBeSeen(t *testing.T) {
	cert := selfSigned(t)
	up := echoUpstream(t)
	pass := fn{"pass", func(_ *pipeline.Stream, e event.Event, next pipeline.Target) { next.Input(e) }}
	for _, tc := range []struct {
		name  string
		setup func(f *relayFilter) *pipeline.Server
		tls   bool
	}{
		{"two filters", func(f *relayFilter) *pipeline.Server {
			return pipeline.NewServer(pipeline.New("relay", f, pass), nil)
		}, false},
		{"read timeout", func(f *relayFilter) *pipeline.Server {
			srv := pipeline.NewServer(pipeline.New("relay", f), nil)
			srv.Conn = pipeline.ConnOptions{ReadTimeout: time.Hour}
			return srv
		}, false},
		{"listen write timeout", func(f *relayFilter) *pipeline.Server {
			p := pipeline.New("relay", f)
			p.ListenOptions.Conn.WriteTimeout = time.Hour
			return pipeline.NewServer(p, nil)
		}, false},
		{"listen idle timeout", func(f *relayFilter) *pipeline.Server {
			p := pipeline.New("relay", f)
			p.ListenOptions.Conn.IdleTimeout = time.Hour
			return pipeline.NewServer(p, nil)
		}, false},
		{"outbound idle timeout", func(f *relayFilter) *pipeline.Server {
			f.opts.IdleTimeout = time.Hour
			return pipeline.NewServer(pipeline.New("relay", f), nil)
		}, false},
		{"TLS", func(f *relayFilter) *pipeline.Server {
			srv := pipeline.NewServer(pipeline.New("relay", f), nil)
			srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
			return srv
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			counts := relayed()
			addr := serve(t, tc.setup(&relayFilter{obFilter{target: up}}))
			if tc.tls {
				c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
				require.NoError(t, err)
				defer c.Close()
				_, err = io.WriteString(c, "hello")
				require.NoError(t, err)
				require.NoError(t, c.CloseWrite())
				b, err := io.ReadAll(c)
				require.NoError(t, err)
				assert.Equal(t, "hello", string(b))
			} else {
				assert.Equal(t, "hello", roundTrip(t, addr, "hello"))
			}
			accepted, _ := counts()
			assert.Zero(t, accepted, "carried on the event path")
		})
	}
}

func TestServerCloseEndsRelayedConnections(t *testing.T) {
	up := echoUpstream(t)
	check := pipelinetest.LeakCheck(t)
	counts := relayed()
	g := pipeline.NewGroup(1, pipeline.WorkerOptions{})
	srv := pipeline.NewServer(pipeline.New("relay", &relayFilter{obFilter{target: up}}), g)
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
	accepted, _ := counts()
	require.EqualValues(t, 5, accepted)
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
	up := echoUpstream(t)
	check := pipelinetest.LeakCheck(t)
	counts := relayed()
	srv := pipeline.NewServer(pipeline.New("relay", &relayFilter{obFilter{target: up}}), nil)
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
	accepted, _ := counts()
	require.EqualValues(t, 1, accepted)
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

// selfSigned returns a certificate for 127.0.0.1, signed by itself.
func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "sluice test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
