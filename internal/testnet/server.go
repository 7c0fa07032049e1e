package testnet

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Server is a TCP server on 127.0.0.1:0 for tests. It runs a handler for
// each connection on a goroutine of its own and closes the connection when
// the handler returns. Close, also run when the test ends, closes the
// listener and every connection and waits for the handlers.
type Server struct {
	ln       net.Listener
	wg       sync.WaitGroup
	mu       sync.Mutex
	conns    map[net.Conn]bool
	accepted atomic.Int32
	// HandshakeErrs receives the error of each failed TLS handshake of a
	// ServeTLS server, as long as it has room (16); nothing else is sent.
	HandshakeErrs chan error
}

// Serve starts a TCP server that runs handle for each connection.
func Serve(t testing.TB, handle func(c *net.TCPConn)) *Server {
	t.Helper()
	return start(t, nil, func(c net.Conn) { handle(c.(*net.TCPConn)) })
}

// ServeTLS starts a TLS server with certificate cert that runs handle for
// each connection whose handshake succeeded; connections get a deadline of a
// minute, so that a stuck test fails instead of hanging.
func ServeTLS(t testing.TB, cert tls.Certificate, handle func(c *tls.Conn)) *Server {
	t.Helper()
	var s *Server
	s = start(t, &tls.Config{Certificates: []tls.Certificate{cert}}, func(c net.Conn) {
		tc := c.(*tls.Conn)
		tc.SetDeadline(time.Now().Add(time.Minute))
		if err := tc.Handshake(); err != nil {
			select {
			case s.HandshakeErrs <- err:
			default:
			}
			return
		}
		handle(tc)
	})
	return s
}

func start(t testing.TB, cfg *tls.Config, handle func(c net.Conn)) *Server {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testnet: listen: %v", err)
	}
	if cfg != nil {
		ln = tls.NewListener(ln, cfg)
	}
	s := &Server{ln: ln, conns: map[net.Conn]bool{}, HandshakeErrs: make(chan error, 16)}
	s.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.accepted.Add(1)
			s.mu.Lock()
			s.conns[c] = true
			s.mu.Unlock()
			s.wg.Go(func() {
				defer c.Close()
				handle(c)
			})
		}
	})
	t.Cleanup(s.Close)
	return s
}

// Addr returns the server's address, "127.0.0.1:port".
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Accepted returns how many connections the server has accepted.
func (s *Server) Accepted() int { return int(s.accepted.Load()) }

// Close closes the listener and every connection, and waits for the
// handlers to return. A second Close does nothing more.
func (s *Server) Close() {
	s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// Echo is a handler that writes back what it reads and, once the peer has
// finished sending, half-closes (a FIN, or TLS's close_notify). It copies
// through a buffer of its own: io.Copy between two TCP connections would
// splice through a pipe that stays pooled (two descriptors) after the test,
// which a leak check would count.
func Echo[C interface {
	net.Conn
	CloseWrite() error
}](c C) {
	io.CopyBuffer(struct{ io.Writer }{c}, struct{ io.Reader }{c}, make([]byte, 64<<10))
	c.CloseWrite()
}

// Pair returns the two ends of a TCP connection on loopback: the one that
// dialed and the one that was accepted. Both are closed when the test ends.
func Pair(t testing.TB) (dialed, accepted *net.TCPConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testnet: listen: %v", err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("testnet: dial: %v", err)
	}
	a, err := ln.Accept()
	if err != nil {
		c.Close()
		t.Fatalf("testnet: accept: %v", err)
	}
	t.Cleanup(func() { c.Close(); a.Close() })
	return c.(*net.TCPConn), a.(*net.TCPConn)
}

// Servable is a server that serves the connections of a listener until it
// is closed, as pipeline.Server does.
type Servable interface {
	Serve(ln net.Listener) error
	Close() error
}

// ServeOn runs srv.Serve on a new listener on 127.0.0.1:0 and returns the
// listener's address. When the test ends it closes srv, waits for Serve to
// return, and fails the test unless Serve returned closed (matched with
// errors.Is): the error Serve returns once the server is closed.
func ServeOn(t testing.TB, srv Servable, closed error) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testnet: listen: %v", err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("testnet: Close: %v", err)
		}
		if err := <-served; !errors.Is(err, closed) {
			t.Errorf("testnet: Serve returned %v, want %v", err, closed)
		}
	})
	return ln.Addr().String()
}
