package filter

import (
	"errors"
	"io"
	"net"
	"sync/atomic"
	"syscall"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// The relay: when connect is a listen pipeline's only filter, the server
// offers it the client's connection (pipeline.Relayer) and the instance
// copies between the two connections itself, with TCPConn.ReadFrom each way,
// which Go turns into splice(2) on Linux: the bytes never enter the process.
// The dial is the event path's (dial, dialed: same target, retries,
// timeouts, failures); only what happens once it is up differs.
//
// Ownership: the client's connection and the upstream's belong to the
// instance, on the worker; cleanup (end or close of the stream) closes both,
// which ends every goroutine of the relay. The server's done function runs
// once the worker has let go (stop) and every goroutine the instance started
// (spawn) has returned.

// relayStats counts relays, for tests: accepted connections and those whose
// bytes went through TCPConn.ReadFrom both ways.
var relayStats struct{ accepted, spliced atomic.Int64 }

// connectRelay is the state of a relayed connection.
type connectRelay struct {
	c       *connectInst
	client  *net.TCPConn
	rc      syscall.RawConn // the client's
	up      net.Conn        // once dialed
	done    func()          // the server's
	refs    atomic.Int32
	sending bool   // on the worker: the client has sent its first byte, or DialAtStart
	stopped bool   // on the worker: the connections are closed
	uncount func() // ends the count of the upstream connection
}

type closeWriter interface{ CloseWrite() error }

// Relay takes the client's connection over when nothing but connect is in
// the pipeline (the server checks that) and nothing needs the bytes in the
// process: no TLS, no read, write or idle timeout, a plain TCP connection on
// a system where the first byte can be waited for without reading it.
func (c *connectInst) Relay(nc net.Conn, done func()) bool {
	o := &c.f.opts
	if c.state != connectIdle || c.relay != nil || c.s.Ended() || !relaySupported ||
		o.TLS != nil || o.ReadTimeout > 0 || o.WriteTimeout > 0 || o.IdleTimeout > 0 {
		return false
	}
	client, ok := nc.(*net.TCPConn)
	if !ok {
		return false
	}
	rc, err := client.SyscallConn()
	if err != nil {
		return false
	}
	r := &connectRelay{c: c, client: client, rc: rc, done: done}
	r.refs.Store(1) // the worker's, given back by stop
	c.relay = r
	relayStats.accepted.Add(1)
	c.s.OnClose(r.stop)
	if o.DialAtStart {
		r.sending = true // startEarly dials; nothing waits on the connection
		return true
	}
	// The event path dials on the first Data: wait for the first byte, and
	// leave it in the kernel.
	c.spawn(func() {
		data := relayWaitData(rc)
		c.s.Post(func() { r.readable(data) })
	})
	return true
}

// spawn runs fn on a goroutine. A relay counts it: its done function runs
// only after fn has returned.
func (c *connectInst) spawn(fn func()) {
	r := c.relay
	if r == nil || r.stopped {
		go fn()
		return
	}
	r.refs.Add(1)
	go func() {
		defer r.release()
		fn()
	}()
}

// readable runs on the worker once the client has sent its first byte
// (data), or closed or failed without sending any, which ends the stream
// without a dial as on the event path.
func (r *connectRelay) readable(data bool) {
	c := r.c
	if c.state != connectIdle {
		return
	}
	if !data {
		c.end(&event.SessionEnd{})
		return
	}
	r.sending = true
	c.start() // dials; dialed calls connected
}

// connected runs on the worker when the dial succeeded: it starts copying
// both ways.
func (r *connectRelay) connected(up net.Conn) {
	c := r.c
	r.up = up
	r.uncount = pipeline.CountOutbound(up.RemoteAddr().String())
	upTCP, spliced := up.(*net.TCPConn)
	if spliced {
		relayStats.spliced.Add(1)
	}
	client := r.client
	c.spawn(func() { // client → upstream
		var err error
		if spliced {
			_, err = upTCP.ReadFrom(client)
		} else {
			_, err = io.Copy(up, client)
		}
		half := false
		if err == nil {
			if cw, ok := up.(closeWriter); ok {
				cw.CloseWrite()
				half = true
			}
		}
		c.s.Post(func() { r.sent(err, half) })
	})
	c.spawn(func() { // upstream → client
		var err error
		if spliced {
			_, err = client.ReadFrom(upTCP)
		} else {
			_, err = io.Copy(client, up)
		}
		if err == nil {
			client.CloseWrite()
		}
		c.s.Post(func() { r.received(err) })
	})
}

// sent runs on the worker when the copy from the client has stopped: at the
// client's FIN, passed on to the upstream (half), the upstream goes on
// answering; an upstream that cannot half-close is closed whole, which ends
// the stream normally, as on the event path.
func (r *connectRelay) sent(err error, half bool) {
	if r.c.state != connectUp {
		return
	}
	switch {
	case err != nil:
		r.failed(err, true)
	case !half:
		r.c.end(&event.SessionEnd{})
	}
}

// received runs on the worker when the copy from the upstream has stopped:
// the upstream's close ends the stream, as on the event path, once what it
// sent has been passed on and the client's connection half-closed.
func (r *connectRelay) received(err error) {
	if r.c.state != connectUp {
		return
	}
	if err != nil {
		r.failed(err, false)
		return
	}
	r.c.end(&event.SessionEnd{})
}

// failed ends the stream after a copy failed, closing both connections. A
// copy error does not say which side failed: EPIPE comes from a write (a
// WriteError), anything else is taken for a read (a ReadError, which is what
// the event path mostly reports for a reset). A failure taken for the
// upstream's is logged as the event path logs it.
func (r *connectRelay) failed(err error, toUpstream bool) {
	c := r.c
	kind := event.ReadError
	if errors.Is(err, syscall.EPIPE) {
		kind = event.WriteError
	}
	if toUpstream == (kind == event.WriteError) {
		c.s.Logger().Warn("connect: connection failed", "target", c.target, "kind", kind.String(), "err", err.Error())
	}
	c.end(event.End(kind, err))
}

// stop closes both connections and gives back the worker's reference. It
// runs on the worker, from cleanup and when the stream is closed. Between
// the first byte and the copy, what the client sent is still in the kernel:
// it is dropped first (as much as the event path would have held), so that
// the client sees its connection closed rather than reset. (Not before the
// first byte: the wait for it holds the connection's read lock until the
// connection is closed.)
func (r *connectRelay) stop() {
	if r.stopped {
		return
	}
	r.stopped = true
	if r.sending && r.up == nil {
		relayDiscard(r.rc, r.c.f.opts.BufferLimit)
	}
	r.client.Close()
	if r.up != nil {
		r.up.Close()
		r.uncount()
	}
	r.release()
}

func (r *connectRelay) release() {
	if r.refs.Add(-1) == 0 {
		r.done()
	}
}
