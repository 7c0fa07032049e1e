package testnet

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"
)

func TestServeEchoes(t *testing.T) {
	s := Serve(t, Echo)
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "hello")
	c.(*net.TCPConn).CloseWrite()
	b, err := io.ReadAll(c)
	if err != nil || string(b) != "hello" {
		t.Fatalf("read %q, %v; want %q", b, err, "hello")
	}
	if n := s.Accepted(); n != 1 {
		t.Fatalf("Accepted() = %d, want 1", n)
	}
}

func TestCloseEndsConnections(t *testing.T) {
	started := make(chan struct{})
	s := Serve(t, func(c *net.TCPConn) { close(started); io.Copy(io.Discard, c) })
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("the handler did not start")
	}
	s.Close()
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("read after Close: got data, want the connection closed")
	}
	if c2, err := net.Dial("tcp", s.Addr()); err == nil {
		c2.Close()
		t.Fatal("dial after Close: connected")
	}
}

func TestServeTLSVerifiesWithThePool(t *testing.T) {
	cert := NewCert(t, "server")
	s := ServeTLS(t, cert.TLS, Echo)
	c, err := tls.Dial("tcp", s.Addr(), &tls.Config{RootCAs: cert.Pool})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "secret")
	c.CloseWrite()
	if b, err := io.ReadAll(c); err != nil || string(b) != "secret" {
		t.Fatalf("read %q, %v; want %q", b, err, "secret")
	}

	// Another certificate's pool does not trust this one; the server sees
	// the failed handshake.
	_, err = tls.Dial("tcp", s.Addr(), &tls.Config{RootCAs: NewCert(t, "other").Pool, ServerName: "localhost"})
	var unknown *tls.CertificateVerificationError
	if !errors.As(err, &unknown) {
		t.Fatalf("dial with another pool: %v, want an unknown-authority error", err)
	}
	select {
	case <-s.HandshakeErrs:
	case <-time.After(10 * time.Second):
		t.Fatal("no handshake error reported")
	}
}

func TestCertFiles(t *testing.T) {
	cert := NewCert(t, "files")
	certFile, keyFile := cert.Files(t)
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if string(pair.Certificate[0]) != string(cert.TLS.Certificate[0]) {
		t.Fatal("the certificate file holds another certificate")
	}
	if fi, err := os.Stat(keyFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v; want mode 0600", fi, err)
	}
}

func TestPairIsConnected(t *testing.T) {
	d, a := Pair(t)
	d.SetDeadline(time.Now().Add(10 * time.Second))
	a.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(d, "ping")
	d.CloseWrite()
	if b, err := io.ReadAll(a); err != nil || string(b) != "ping" {
		t.Fatalf("accepted end read %q, %v; want %q", b, err, "ping")
	}
	if a.LocalAddr().String() != d.RemoteAddr().String() {
		t.Fatalf("the ends are not of one connection: %v, %v", a.LocalAddr(), d.RemoteAddr())
	}
}

// echoServable is a Servable that echoes each connection, as a sluice
// server running an empty pipeline would.
type echoServable struct {
	mu     sync.Mutex
	ln     net.Listener
	closed bool
}

var errEchoClosed = errors.New("echo: closed")

func (e *echoServable) Serve(ln net.Listener) error {
	e.mu.Lock()
	e.ln = ln
	e.mu.Unlock()
	for {
		c, err := ln.Accept()
		if err != nil {
			e.mu.Lock()
			defer e.mu.Unlock()
			if e.closed {
				return errEchoClosed
			}
			return err
		}
		go func() { defer c.Close(); Echo(c.(*net.TCPConn)) }()
	}
}

func (e *echoServable) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.closed = true
	return e.ln.Close()
}

func TestServeOn(t *testing.T) {
	srv := &echoServable{}
	addr := ServeOn(t, srv, errEchoClosed)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "served")
	c.(*net.TCPConn).CloseWrite()
	if b, err := io.ReadAll(c); err != nil || string(b) != "served" {
		t.Fatalf("read %q, %v; want %q", b, err, "served")
	}
}
