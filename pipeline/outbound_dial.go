package pipeline

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"

	"github.com/sluice-go/sluice/event"
)

// clientTLS runs a client TLS handshake over conn, within ctx, and checks
// that it agreed on alpn, when set, by ALPN. On failure conn is closed.
func clientTLS(ctx context.Context, conn net.Conn, cfg *tls.Config, target, alpn string) (net.Conn, error) {
	if cfg.ServerName == "" {
		host, _, _ := net.SplitHostPort(target)
		cfg = cfg.Clone()
		cfg.ServerName = host
	}
	tc := tls.Client(conn, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	if got := tc.ConnectionState().NegotiatedProtocol; alpn != "" && got != alpn {
		conn.Close()
		return nil, fmt.Errorf("%w: %s agreed on %q by ALPN, not %q", ErrALPN, target, got, alpn)
	}
	return tlsAbortConn{tc, conn}, nil
}

// tlsAbortConn is a TLS connection whose Close closes the transport at once,
// without the close_notify alert that tls.Conn.Close writes and may block on:
// pipeline.Socket calls Close on the worker to abort. A graceful end goes
// through CloseWrite, which sends the alert.
type tlsAbortConn struct {
	*tls.Conn
	raw net.Conn
}

func (c tlsAbortConn) Close() error { return c.raw.Close() }

// DialErrorKind classifies a dial or handshake error as Pipy does: a name
// that does not resolve is CannotResolve, a timeout is Timeout, a rejected
// certificate is Unauthorized, a reset during a handshake a ReadError, and
// any other failure to connect is ConnectionRefused.
func DialErrorKind(err error) event.ErrorKind {
	var dns *net.DNSError
	var addr *net.AddrError
	switch {
	case errors.Is(err, ErrALPN):
		return event.ProtocolError
	case errors.As(err, &dns) && !dns.IsTimeout:
		return event.CannotResolve
	case errors.As(err, &addr):
		return event.CannotResolve
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded), isTimeout(err):
		return event.Timeout
	case tlsCertError(err):
		return event.Unauthorized
	case errors.Is(err, syscall.ECONNREFUSED):
		return event.ConnectionRefused
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), isTLSError(err):
		return event.ReadError
	}
	return event.ConnectionRefused
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// tlsCertError reports whether err says that a certificate was rejected, by
// us (verification failed) or by the server (a certificate alert).
func tlsCertError(err error) bool {
	var cv *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var ci x509.CertificateInvalidError
	var hn x509.HostnameError
	if errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &ci) || errors.As(err, &hn) {
		return true
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "remote error" {
		msg := op.Err.Error()
		return strings.Contains(msg, "certificate") || strings.Contains(msg, "access denied")
	}
	return false
}

// isTLSError reports whether err comes from the TLS layer (a handshake that
// failed for another reason than a certificate).
func isTLSError(err error) bool {
	var rh tls.RecordHeaderError
	var ae tls.AlertError
	if errors.As(err, &rh) || errors.As(err, &ae) {
		return true
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "remote error" {
		return true
	}
	return strings.HasPrefix(err.Error(), "tls: ")
}
