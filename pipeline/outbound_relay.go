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
// It is an engine operation between two sockets that a filter asks for: the
// client's Socket hands its connection over (Socket.handOver) once the
// filter, the only one of its stream (Stream.Inbound), has had its first
// bytes; the Outbound writes those to the remote first. A Server knows
// nothing of it: it keeps the Socket, which ends, as closed, when the relay
// is done with the connection.
//
// Ownership: the client's connection and the upstream's belong to the
// Outbound, on the worker; its cleanup (end or close of the stream) closes
// both, which ends every goroutine of the relay. The Socket's unref runs
// once the worker has let go (stop) and every goroutine the Outbound started
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
	done    func()          // the client Socket's unref
	refs    atomic.Int32
	stopped bool   // on the worker: the connections are closed
	uncount func() // ends the count of the upstream connection
}

type closeWriter interface{ CloseWrite() error }

// Relay makes the Outbound carry in, the inbound Socket of its stream (see
// Stream.Inbound; nil declines), by itself: once dialed, it writes what it
// holds (what the user wrote before, such as the client's first bytes),
// then copies between the client's connection and the remote in the
// kernel, and what either side sends never becomes events. It is for a
// user that would only pass bytes both ways (connect alone in a listen
// pipeline), and is called before the connection is up, typically right
// after Dial on the first Data.
//
// It reports false, having changed nothing, when the bytes must go through
// the process: TLS, an answer, read, write or idle timeout set on the
// Outbound, or a client Socket that cannot hand its connection over (a TLS
// or non-TCP connection, its own timeouts, a system without the worker's
// poller; see Socket.handOver). The client's FIN half-closes the remote;
// the remote's close ends the Outbound (SessionEnd with no error) once what
// it sent has been passed on and the client's connection half-closed; a
// reset ends it with ReadError, a write to a peer that is gone (EPIPE) with
// WriteError. The client Socket ends once both connections are closed and
// no goroutine of the relay runs any more.
func (o *Outbound) Relay(in *Socket) bool {
	p := &o.opts
	if in == nil || in.s != o.s || (o.state != outboundIdle && o.state != outboundDialing) || o.relay != nil ||
		o.s.Ended() || !relaySupported || p.TLS != nil || p.AnswerTimeout > 0 || p.ReadTimeout > 0 ||
		p.WriteTimeout > 0 || p.IdleTimeout > 0 {
		return false
	}
	tc, rc, ok := in.handOver()
	if !ok {
		return false
	}
	r := &relay{o: o, client: tc, rc: rc, done: in.unref}
	r.refs.Store(1) // the worker's, given back by stop
	o.relay = r
	relayStats.accepted.Add(1)
	o.s.OnClose(r.stop)
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
	held := net.Buffers(o.buf.Shift(o.buf.Len()).Chunks())
	o.pauseInput(false)
	o.spawn(func() { // client → upstream: what was held, then the rest
		_, err := held.WriteTo(up)
		switch {
		case err != nil:
		case spliced:
			_, err = upTCP.ReadFrom(client)
		default:
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
// runs on the worker, from cleanup and when the stream is closed. Before
// the copy, what the client sent after its first bytes is still in the
// kernel: it is dropped first (as much as the event path would have held),
// so that the client sees its connection closed rather than reset.
func (r *relay) stop() {
	if r.stopped {
		return
	}
	r.stopped = true
	if r.up == nil {
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
