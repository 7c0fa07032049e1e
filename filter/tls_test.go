package filter_test

// TLS on both sides of a proxy: a listen pipeline served with TLS
// termination, connect as a TLS client, and the SessionEnd connect ends with
// when it rejects the upstream's certificate.

import (
	"bytes"
	"crypto/tls"
	"io"
	"testing"
	"time"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/internal/testnet"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/require"
)

// TestTLSBothSides: a TLS client talks to a listen pipeline that terminates
// TLS, whose connect is a TLS client of a TLS echo upstream. Each hop has
// its own certificate, verified by the side that dials it. A megabyte goes
// each way, and close_notify travels both ways as a half-close.
func TestTLSBothSides(t *testing.T) {
	leaks := netLeakBaseline(t)
	upCert := testnet.NewCert(t, "upstream")
	proxyCert := testnet.NewCert(t, "proxy")
	up := testnet.ServeTLS(t, upCert.TLS, testnet.Echo)
	addr, stop := serveListen(t,
		pipeline.New("tls-proxy", filter.Connect(up.Addr(), filter.ConnectOptions{TLS: &tls.Config{RootCAs: upCert.Pool}})),
		&tls.Config{Certificates: []tls.Certificate{proxyCert.TLS}})

	c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: proxyCert.Pool})
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
	upCert := testnet.NewCert(t, "upstream")
	other := testnet.NewCert(t, "someone else")
	for _, tc := range []struct {
		name string
		cfg  *tls.Config
	}{
		{"unknown authority", &tls.Config{RootCAs: other.Pool}},
		{"system roots", &tls.Config{}},
		{"wrong name", &tls.Config{RootCAs: upCert.Pool, ServerName: "elsewhere.test"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leaks := netLeakBaseline(t)
			up := testnet.ServeTLS(t, upCert.TLS, testnet.Echo)
			h := pipelinetest.Of(t, filter.Connect(up.Addr(), filter.ConnectOptions{TLS: tc.cfg}))
			h.InputString("secret")
			se := h.WaitEnd()
			require.Equal(t, event.Unauthorized, se.Err, se.Message)
			require.Equal(t, "SE(unauthorized: "+se.Message+")", pipelinetest.Dump(h.Output()), "nothing came out before")
			select {
			case err := <-up.HandshakeErrs:
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
	upCert := testnet.NewCert(t, "upstream")
	proxyCert := testnet.NewCert(t, "proxy")
	other := testnet.NewCert(t, "someone else")
	up := testnet.ServeTLS(t, upCert.TLS, testnet.Echo)
	addr, stop := serveListen(t,
		pipeline.New("tls-proxy", filter.Connect(up.Addr(), filter.ConnectOptions{TLS: &tls.Config{RootCAs: other.Pool}})),
		&tls.Config{Certificates: []tls.Certificate{proxyCert.TLS}})

	c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: proxyCert.Pool})
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
