package pipeline

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"time"
)

// PipeConn joins a reader (a process's standard output) and a writer (its
// standard input) into a net.Conn, so that an Outbound (NewOutboundConn) can
// own a process's I/O as it owns a network connection's: Read reads r, Write
// writes w, CloseWrite closes w (the half-close), Close closes both. A write
// to a reader that is gone (EPIPE: the process closed its input) reports
// success and drops the bytes, as a process that stops reading its input is
// not an error of the stream; what it writes still comes out. Deadlines
// apply where r and w support them (*os.File pipes do).
func PipeConn(r io.ReadCloser, w io.WriteCloser) net.Conn { return &pipeConn{r: r, w: w} }

type pipeConn struct {
	r      io.ReadCloser
	w      io.WriteCloser
	broken bool // on the writer's goroutine
}

func (p *pipeConn) Read(b []byte) (int, error) { return p.r.Read(b) }

func (p *pipeConn) Write(b []byte) (int, error) {
	if p.broken {
		return len(b), nil
	}
	n, err := p.w.Write(b)
	if err != nil && (errors.Is(err, syscall.EPIPE) || errors.Is(err, os.ErrClosed)) {
		p.broken = true
		return len(b), nil
	}
	return n, err
}

// CloseWrite closes the writer.
func (p *pipeConn) CloseWrite() error { return p.w.Close() }

func (p *pipeConn) Close() error {
	p.w.Close()
	return p.r.Close()
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

func (p *pipeConn) LocalAddr() net.Addr  { return pipeAddr{} }
func (p *pipeConn) RemoteAddr() net.Addr { return pipeAddr{} }

type readDeadliner interface{ SetReadDeadline(time.Time) error }
type writeDeadliner interface{ SetWriteDeadline(time.Time) error }

func (p *pipeConn) SetDeadline(t time.Time) error {
	p.SetReadDeadline(t)
	return p.SetWriteDeadline(t)
}

func (p *pipeConn) SetReadDeadline(t time.Time) error {
	if d, ok := p.r.(readDeadliner); ok {
		return d.SetReadDeadline(t)
	}
	return nil
}

func (p *pipeConn) SetWriteDeadline(t time.Time) error {
	if d, ok := p.w.(writeDeadliner); ok {
		return d.SetWriteDeadline(t)
	}
	return nil
}
