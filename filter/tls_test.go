package filter_test

// TLS on both sides of a proxy: a listen pipeline served with TLS
// termination, connect as a TLS client, and the SessionEnd connect ends with
// when it rejects the upstream's certificate.

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/require"
)

// selfSigned makes a self-signed certificate for 127.0.0.1 and localhost,
// and a pool that trusts it.
func selfSigned(t testing.TB, name string) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	leaf, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// tlsServer is a TLS server on 127.0.0.1:0 that runs handle for each
// connection; Close closes the listener and every connection, and waits for
// the handlers. handshakeErrs receives the error of each failed handshake.
type tlsServer struct {
	ln            net.Listener
	wg            sync.WaitGroup
	mu            sync.Mutex
	conns         map[net.Conn]bool
	handshakeErrs chan error
}

func startTLSServer(t testing.TB, cert tls.Certificate, handle func(c *tls.Conn)) *tlsServer {
	t.Helper()
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &tlsServer{
		ln:            tls.NewListener(tcp, &tls.Config{Certificates: []tls.Certificate{cert}}),
		conns:         map[net.Conn]bool{},
		handshakeErrs: make(chan error, 16),
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := s.ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns[c] = true
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer c.Close()
				tc := c.(*tls.Conn)
				tc.SetDeadline(time.Now().Add(time.Minute))
				if err := tc.Handshake(); err != nil {
					select {
					case s.handshakeErrs <- err:
					default:
					}
					return
				}
				handle(tc)
			}()
		}
	}()
	t.Cleanup(s.Close)
	return s
}

func (s *tlsServer) Addr() string { return s.ln.Addr().String() }

func (s *tlsServer) Close() {
	s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// tlsEcho writes back what it reads and, after the peer's close_notify,
// sends its own.
func tlsEcho(c *tls.Conn) {
	io.CopyBuffer(struct{ io.Writer }{c}, struct{ io.Reader }{c}, make([]byte, 64<<10))
	c.CloseWrite()
}

// TestTLSBothSides: a TLS client talks to a listen pipeline that terminates
// TLS, whose connect is a TLS client of a TLS echo upstream. Each hop has
// its own certificate, verified by the side that dials it. A megabyte goes
// each way, and close_notify travels both ways as a half-close.
func TestTLSBothSides(t *testing.T) {
	leaks := netLeakBaseline(t)
	upCert, upPool := selfSigned(t, "upstream")
	proxyCert, proxyPool := selfSigned(t, "proxy")
	up := startTLSServer(t, upCert, tlsEcho)
	addr, stop := serveListen(t,
		pipeline.New("tls-proxy", filter.Connect(up.Addr(), filter.ConnectOptions{TLS: &tls.Config{RootCAs: upPool}})),
		&tls.Config{Certificates: []tls.Certificate{proxyCert}})

	c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: proxyPool})
	require.NoError(t, err, "the proxy's certificate is verified for 127.0.0.1")
	c.SetDeadline(time.Now().Add(time.Minute))
	require.Equal(t, "proxy", c.ConnectionState().PeerCertificates[0].Subject.CommonName)
	in := pattern(1<<20, 3)
	wrote, read, sent, got, err := exchange(c, bytes.NewReader(in))
	c.Close()
	require.NoError(t, err)
	require.EqualValues(t, len(in), wrote)
	require.EqualValues(t, len(in), read, "bytes that came back")
	require.Equal(t, sent, got, "SHA-256 of what came back")

	stop()
	up.Close()
	leaks.check()
}

// TestTLSBadUpstreamCertificate: when connect cannot verify the upstream's
// certificate (an authority it does not trust, or a name the certificate is
// not for), the stream ends with an Unauthorized SessionEnd, and nothing is
// left open.
func TestTLSBadUpstreamCertificate(t *testing.T) {
	upCert, upPool := selfSigned(t, "upstream")
	_, otherPool := selfSigned(t, "someone else")
	for _, tc := range []struct {
		name string
		cfg  *tls.Config
	}{
		{"unknown authority", &tls.Config{RootCAs: otherPool}},
		{"system roots", &tls.Config{}},
		{"wrong name", &tls.Config{RootCAs: upPool, ServerName: "elsewhere.test"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leaks := netLeakBaseline(t)
			up := startTLSServer(t, upCert, tlsEcho)
			h := pipelinetest.Of(t, filter.Connect(up.Addr(), filter.ConnectOptions{TLS: tc.cfg}))
			h.InputString("secret")
			se := h.WaitEnd()
			require.Equal(t, event.Unauthorized, se.Err, se.Message)
			require.Equal(t, "SE(unauthorized: "+se.Message+")", pipelinetest.Dump(h.Output()), "nothing came out before")
			select {
			case err := <-up.handshakeErrs:
				require.ErrorContains(t, err, "certificate", "the upstream heard why")
			case <-time.After(10 * time.Second):
				t.Fatal("the upstream's handshake did not fail")
			}
			up.Close()
			leaks.check()
		})
	}
}

// TestTLSBadUpstreamCertificateThroughProxy: a client of a TLS-terminating
// proxy whose upstream's certificate is rejected sees its connection closed
// with nothing sent back.
func TestTLSBadUpstreamCertificateThroughProxy(t *testing.T) {
	leaks := netLeakBaseline(t)
	upCert, _ := selfSigned(t, "upstream")
	proxyCert, proxyPool := selfSigned(t, "proxy")
	_, otherPool := selfSigned(t, "someone else")
	up := startTLSServer(t, upCert, tlsEcho)
	addr, stop := serveListen(t,
		pipeline.New("tls-proxy", filter.Connect(up.Addr(), filter.ConnectOptions{TLS: &tls.Config{RootCAs: otherPool}})),
		&tls.Config{Certificates: []tls.Certificate{proxyCert}})

	c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: proxyPool})
	require.NoError(t, err)
	c.SetDeadline(time.Now().Add(time.Minute))
	_, err = c.Write([]byte("hello"))
	require.NoError(t, err)
	got, err := io.ReadAll(c)
	require.NoError(t, err, "closed with close_notify")
	require.Empty(t, got)
	c.Close()

	stop()
	up.Close()
	leaks.check()
}
