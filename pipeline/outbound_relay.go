package pipeline

import (
	"errors"
	"io"
	"net"
	"sync/atomic"
	"syscall"

	"github.com/sluice-go/sluice/event"
)

// The relay: an Outbound that carries a client's whole connection copies
// between the two connections itself, with TCPConn.ReadFrom each way, which
// Go turns into splice(2) on Linux: the bytes never enter the process. The
// dial is the event path's (same target, retries, timeouts, failures); only
// what happens once it is up differs.
//
// Ownership: the client's connection and the upstream's belong to the
// Outbound, on the worker; its cleanup (end or close of the stream) closes
// both, which ends every goroutine of the relay. The done function runs once
// the worker has let go (stop) and every goroutine the Outbound started
// (spawn) has returned.

// relayStats counts relays: connections taken over, and those whose bytes
// went through TCPConn.ReadFrom both ways.
var relayStats struct{ accepted, spliced atomic.Int64 }

// RelayCounts returns how many client connections Outbounds have taken over
// (Relay) and how many of those were copied with TCPConn.ReadFrom both ways
// (splice on Linux), since the process started.
func RelayCounts() (accepted, spliced int64) {
	return relayStats.accepted.Load(), relayStats.spliced.Load()
}

// relay is the state of a relayed connection.
type relay struct {
	o       *Outbound
	client  *net.TCPConn
	rc      syscall.RawConn // the client's
	up      net.Conn        // once dialed
	done    func()
	refs    atomic.Int32
	sending bool   // on the worker: the client has sent its first byte, or the dial started
	stopped bool   // on the worker: the connections are closed
	uncount func() // ends the count of the upstream connection
}

type closeWriter interface{ CloseWrite() error }

// Relay makes the Outbound carry client, a whole inbound connection, by
// itself: once dialed, it copies between client and the remote in the
// kernel, and what either side sends never becomes events. It is an engine
// operation between two sockets, for a user that would only pass bytes both
// ways (connect alone in a listen pipeline).
//
// Before Dial, Relay only takes client over; onFirst (if not nil) runs on the
// worker once the client has sent its first byte, which it leaves in the
// kernel, and is where the user dials (a client that closes without
// sending ends the Outbound without a dial). With dialNow, the client is not
// waited for. It reports false, having changed nothing, when the bytes must
// go through the process: TLS, an answer, read, write or idle timeout
// set explicitly, a client that is not a plain *net.TCPConn, a system where the
// first byte cannot be waited for without reading it. The client's FIN
// half-closes the remote; the remote's close ends the Outbound (SessionEnd
// with no error) once what it sent has been passed on and the client's
// connection half-closed; a reset ends it with ReadError, a write to a peer
// that is gone (EPIPE) with WriteError. done runs exactly once when both
// connections are closed and no goroutine of the relay runs any more.
func (o *Outbound) Relay(client net.Conn, done func(), dialNow bool, onFirst func()) bool {
	p := &o.opts
	if o.state != outboundIdle || o.relay != nil || o.s.Ended() || !relaySupported ||
		p.TLS != nil || p.AnswerTimeout > 0 || p.ReadTimeout > 0 || p.WriteTimeout > 0 || p.IdleTimeout > 0 {
		return false
	}
	tc, ok := client.(*net.TCPConn)
	if !ok {
		return false
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return false
	}
	r := &relay{o: o, client: tc, rc: rc, done: done}
	r.refs.Store(1) // the worker's, given back by stop
	o.relay = r
	relayStats.accepted.Add(1)
	o.s.OnClose(r.stop)
	if dialNow {
		r.sending = true
		return true
	}
	o.spawn(func() {
		data := relayWaitData(rc)
		o.s.Post(func() { r.readable(data, onFirst) })
	})
	return true
}

// spawn runs fn on a goroutine. A relay counts it: its done function runs
// only after fn has returned.
func (o *Outbound) spawn(fn func()) {
	r := o.relay
	if r == nil || r.stopped {
		go fn()
		return
	}
	r.refs.Add(1)
	go func() {
		defer r.unref()
		fn()
	}()
}

// readable runs on the worker once the client has sent its first byte
// (data), or closed or failed without sending any.
func (r *relay) readable(data bool, onFirst func()) {
	o := r.o
	if o.state != outboundIdle {
		return
	}
	if !data {
		o.state = outboundDialing // so that end sends the SessionEnd
		o.s.Hold()
		o.end(&event.SessionEnd{})
		return
	}
	r.sending = true
	if onFirst != nil {
		onFirst()
	}
}

// connected runs on the worker when the dial succeeded: it starts copying
// both ways.
func (r *relay) connected(up net.Conn) {
	o := r.o
	r.up = up
	r.uncount = CountOutbound(up.RemoteAddr().String())
	upTCP, spliced := up.(*net.TCPConn)
	if spliced {
		relayStats.spliced.Add(1)
	}
	client := r.client
	o.spawn(func() { // client → upstream
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
		o.s.Post(func() { r.sent(err, half) })
	})
	o.spawn(func() { // upstream → client
		var err error
		if spliced {
			_, err = client.ReadFrom(upTCP)
		} else {
			_, err = io.Copy(client, up)
		}
		if err == nil {
			client.CloseWrite()
		}
		o.s.Post(func() { r.received(err) })
	})
}

// sent runs on the worker when the copy from the client has stopped: at the
// client's FIN, passed on to the upstream (half), the upstream goes on
// answering; an upstream that cannot half-close is closed whole, which ends
// the Outbound normally.
func (r *relay) sent(err error, half bool) {
	if r.o.state != outboundUp {
		return
	}
	switch {
	case err != nil:
		r.failed(err, true)
	case !half:
		r.o.end(&event.SessionEnd{})
	}
}

// received runs on the worker when the copy from the upstream has stopped.
func (r *relay) received(err error) {
	if r.o.state != outboundUp {
		return
	}
	if err != nil {
		r.failed(err, false)
		return
	}
	r.o.end(&event.SessionEnd{})
}

// failed ends the Outbound after a copy failed, closing both connections. A
// copy error does not say which side failed: EPIPE comes from a write (a
// WriteError), anything else is taken for a read (a ReadError). A failure
// taken for the upstream's is logged as the event path logs it.
func (r *relay) failed(err error, toUpstream bool) {
	o := r.o
	kind := event.ReadError
	if errors.Is(err, syscall.EPIPE) {
		kind = event.WriteError
	}
	if toUpstream == (kind == event.WriteError) {
		o.s.Logger().Warn(o.opts.Name+": connection failed", "target", o.target, "kind", kind.String(), "err", err.Error())
	}
	o.end(event.End(kind, err))
}

// stop closes both connections and gives back the worker's reference. It
// runs on the worker, from cleanup and when the stream is closed. Between
// the first byte and the copy, what the client sent is still in the kernel:
// it is dropped first (as much as the event path would have held), so that
// the client sees its connection closed rather than reset. (Not before the
// first byte: the wait for it holds the connection's read lock until the
// connection is closed.)
func (r *relay) stop() {
	if r.stopped {
		return
	}
	r.stopped = true
	if r.sending && r.up == nil {
		relayDiscard(r.rc, r.o.opts.BufferLimit)
	}
	r.client.Close()
	if r.up != nil {
		r.up.Close()
		r.uncount()
	}
	r.unref()
}

// unref drops one reference to the relay; the last one runs done.
func (r *relay) unref() {
	if r.refs.Add(-1) == 0 {
		r.done()
	}
}
