package http1

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// DefaultHeadTimeout is how long decodeHttpRequest waits, by default, for a
// request head to be complete once its first byte has arrived.
const DefaultHeadTimeout = 10 * time.Second

// DefaultBodyTimeout is how long decodeHttpRequest waits, by default, for
// the next byte of a request body (nginx's client_body_timeout).
const DefaultBodyTimeout = 30 * time.Second

// DecodeRequestFilter is the decodeHttpRequest filter: it turns the bytes a
// client sends into request messages. For each event kind:
//
//   - *event.Data is decoded (see Decoder): each request comes out as an
//     *event.MessageStart with a *RequestHead, its body as *event.Data
//     sharing the input's chunks, and an *event.MessageEnd with the trailers
//     as its Tail. After a request that asks to close the connection, later
//     bytes are dropped.
//   - *event.MessageStart and *event.MessageEnd are dropped: the input is one
//     byte stream, whatever message boundaries it carried.
//   - *event.SessionEnd passes on. When it ends the stream normally in the
//     middle of a request, a ProtocolError SessionEnd whose Cause is the
//     *SyntaxError (wrapping ErrUnexpectedEnd) passes on instead.
//
// Malformed or oversized input ends the stream: a SessionEnd of kind
// ProtocolError, whose Cause is the *SyntaxError, goes on to the next filter,
// and later input is dropped. A head not complete within HeadTimeout of its
// first byte does the same with kind Timeout and a *SyntaxError of status 408
// wrapping ErrHeadTimeout, and a body that makes no progress for BodyTimeout
// with a 408 wrapping ErrBodyTimeout. In every case encodeHttpResponse,
// further down the same stream (or in a context derived from it), answers
// the client with the error's status (400, 408, 414, 431, 501, 505) and
// "Connection: close" before passing the SessionEnd on, unless a response is
// being written then.
//
// Each refusal is logged at info level on the stream's logger, with the
// status, the reason (the *SyntaxError, which names the byte offset) and the
// client's address (the context's RemoteAddr).
//
// The filter shares, through the stream's context, what each request
// requires of its response (HEAD, Connection: close, HTTP/1.0, CONNECT) with
// encodeHttpResponse, which also switches it to a tunnel after a 101 or a 2xx
// response to CONNECT.
//
// The filter is its connection's pipeline.RequestTracker: a request is in
// flight from the first byte of its head until its response is written
// (while it is, the connection is not idle for ConnOptions.IdleTimeout), and
// a drained connection (Server.Shutdown, a reload) closes at once when no
// request is in flight (on a reload, a connection that has not had a request
// yet waits for its first), otherwise after the response to the last request
// received, which says "Connection: close". A connection switched to a
// tunnel is a plain byte stream: never busy, never drained. A pipeline
// whose requests are not answered by encodeHttpResponse stays busy.
//
// The zero value is ready to use; a DecodeRequestFilter is shared by every
// stream of its pipeline and must not be changed once a stream has started.
type DecodeRequestFilter struct {
	// Options are the decoder's limits; the zero value gives the defaults
	// (8 KiB request line, 64 KiB head, 100 fields, no body limit;
	// Options.MaxBodySize answers a larger body with 413).
	Options Options
	// HeadTimeout bounds the time from the first byte of a head to its
	// end. Zero means the connection's ConnOptions.HeadTimeout (a listen
	// option) or, if that is zero too, DefaultHeadTimeout (10s); a negative
	// value, no limit.
	HeadTimeout time.Duration
	// BodyTimeout bounds the time between two reads of a request body, and
	// from the end of a head to the first byte of its body (time while the
	// pipeline pauses reading, its upstream being slow, does not count).
	// Zero means the connection's ConnOptions.BodyTimeout or, if that is
	// zero too, DefaultBodyTimeout (30s); a negative value, no limit.
	BodyTimeout time.Duration
}

// DecodeRequest returns the decodeHttpRequest filter with default options.
func DecodeRequest() *DecodeRequestFilter { return &DecodeRequestFilter{} }

// Info describes the filter as scripts call it.
func (f *DecodeRequestFilter) Info() pipeline.Info {
	return pipeline.Info{Name: "decodeHttpRequest", Synopsis: "([options])", Summary: "Decodes HTTP/1 requests from bytes into messages"}
}

// New returns the filter's instance for stream s.
func (f *DecodeRequestFilter) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	co := s.Context().ConnOptions()
	timeout := cmp.Or(f.HeadTimeout, co.HeadTimeout, DefaultHeadTimeout)
	bodyTimeout := cmp.Or(f.BodyTimeout, co.BodyTimeout, DefaultBodyTimeout)
	d := &decodeRequest{s: s, next: next, timeout: timeout, bodyTimeout: bodyTimeout, dec: NewRequestDecoder(f.Options), tls: s.Context().TLS()}
	d.conn = &serverConn{dec: d.dec}
	s.Context().SetValue(serverKey{}, d.conn)
	s.Context().SetRequestTracker(d)
	s.OnClose(d.stopTimer)
	return d
}

// decodeRequest is the per-stream instance of DecodeRequestFilter.
type decodeRequest struct {
	s       *pipeline.Stream
	next    pipeline.Target
	dec     *Decoder
	conn    *serverConn
	timeout time.Duration
	timer   pipeline.Timer // running while a head is incomplete
	headAt  time.Time      // when the head timeout started counting
	heads   int            // heads completed, to restart the timer for each
	done    bool           // a SessionEnd went out: drop everything
	tls     bool           // the connection is TLS: each head's TLS

	bodyTimeout time.Duration
	bodyTimer   pipeline.Timer // running while a body is incomplete
	lastBody    time.Time      // when the body last made progress
}

// Input decodes Data, drops message boundaries and checks the end.
func (d *decodeRequest) Input(evt event.Event) {
	if d.done || d.s.Ended() {
		return
	}
	switch evt := evt.(type) {
	case *event.Data:
		heads := d.heads
		if err := d.dec.Decode(evt, d.emit); err != nil {
			d.fail(event.ProtocolError, err)
			return
		}
		if d.heads != heads {
			d.stopTimer()
		}
		if d.dec.InHead() && d.timer == nil && d.timeout > 0 {
			d.headAt = d.s.Worker().BatchNow()
			d.timer = d.s.AfterFunc(d.timeout, d.expire)
		} else if !d.dec.InHead() && d.timer != nil {
			d.timer.Stop()
			d.timer = nil
		}
		d.bodyProgress()
		d.closeIfDrained()
	case *event.MessageStart, *event.MessageEnd:
	case *event.SessionEnd:
		d.stopTimer()
		if evt.Err == event.NoError {
			if err := d.dec.End(d.emit); err != nil {
				d.fail(event.ProtocolError, err)
				return
			}
		}
		d.done = true
		d.next.Input(evt)
	default:
		d.next.Input(evt)
	}
}

// Borrows reports that decodeRequest takes lent Data (pipeline.Borrower):
// the decoder copies the head and keeps nothing of its input, and the body
// it passes on owns its bytes.
func (d *decodeRequest) Borrows() bool { return true }

// emit passes decoded events on, noting each request for the encoder.
func (d *decodeRequest) emit(evt event.Event) {
	if ms, ok := evt.(*event.MessageStart); ok {
		d.heads++
		if h, ok := ms.Head.(*RequestHead); ok {
			h.TLS = d.tls
			d.conn.push(h, d.s.Worker())
		}
	}
	if !d.done && !d.s.Ended() {
		d.next.Input(evt)
	}
}

// expire ends the stream with a 408 when the head is still incomplete
// after HeadTimeout during which the pipeline was reading.
func (d *decodeRequest) expire() {
	d.timer = nil
	if d.done || !d.dec.InHead() {
		return
	}
	if d.timer = d.rearm(&d.headAt, d.timeout, d.expire); d.timer != nil {
		return
	}
	d.fail(event.Timeout, &SyntaxError{
		Offset: d.dec.Offset(), Status: 408, Err: ErrHeadTimeout,
		Msg: "request head not complete within " + d.timeout.String(),
	})
}

// fail records the status to answer with, logs the refusal and sends the
// SessionEnd on.
func (d *decodeRequest) fail(kind event.ErrorKind, err error) {
	d.stopTimer()
	var se *SyntaxError
	if errors.As(err, &se) {
		d.conn.failStatus = se.Status
		if o := observed(); o != nil {
			o.Refused(se.Status)
		}
	}
	d.logRefusal(se, err)
	d.done = true
	d.next.Input(event.End(kind, err))
}

// logRefusal says, at info level, which client was refused and why, so that
// a refused client is never a mystery: the status it gets, the error (which
// names the byte offset) and its address. A client that left in the middle
// of a request gets no answer, and is logged at debug level only.
func (d *decodeRequest) logRefusal(se *SyntaxError, err error) {
	level, status := slog.LevelInfo, 0
	if se != nil {
		status = se.Status
	}
	if errors.Is(err, ErrUnexpectedEnd) {
		level = slog.LevelDebug
	}
	remote := ""
	if a := d.s.Context().RemoteAddr; a != nil {
		remote = a.String()
	}
	d.s.Logger().Log(context.Background(), level, "http1: request refused",
		"status", status, "reason", err.Error(), "remote", remote)
}

func (d *decodeRequest) stopTimer() {
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
	if d.bodyTimer != nil {
		d.bodyTimer.Stop()
		d.bodyTimer = nil
	}
}

// bodyProgress restarts the body timeout after input, while a body is
// incomplete.
func (d *decodeRequest) bodyProgress() {
	switch {
	case d.bodyTimeout <= 0:
	case d.dec.InMessage():
		d.lastBody = d.s.Worker().BatchNow()
		if d.bodyTimer == nil {
			d.bodyTimer = d.s.AfterFunc(d.bodyTimeout, d.bodyExpire)
		}
	case d.bodyTimer != nil:
		d.bodyTimer.Stop()
		d.bodyTimer = nil
	}
}

// bodyExpire ends the stream with a 408 when the body has made no progress
// for BodyTimeout while the pipeline was reading.
func (d *decodeRequest) bodyExpire() {
	d.bodyTimer = nil
	if d.done || !d.dec.InMessage() {
		return
	}
	if d.bodyTimer = d.rearm(&d.lastBody, d.bodyTimeout, d.bodyExpire); d.bodyTimer != nil {
		return
	}
	d.fail(event.Timeout, &SyntaxError{
		Offset: d.dec.Offset(), Status: 408, Err: ErrBodyTimeout,
		Msg: "request body made no progress for " + d.bodyTimeout.String(),
	})
}

// rearm is what the head and body timers do when they fire: a timer of
// limit counting from *since waits on while the limit is not reached, and
// time during which sluice itself paused reading (the context's valve is
// closed: a writer is over its high-water mark) does not count against the
// client, so *since moves to now. It returns the timer re-armed for what is
// left, or nil when the client is to blame.
func (d *decodeRequest) rearm(since *time.Time, limit time.Duration, fire func()) pipeline.Timer {
	now := d.s.Worker().Now()
	if !d.s.Context().Valve().IsOpen() {
		*since = now
	}
	if left := limit - now.Sub(*since); left > 0 {
		return d.s.AfterFunc(left, fire)
	}
	return nil
}

// Busy reports whether a request is in flight (pipeline.RequestTracker).
func (d *decodeRequest) Busy() bool {
	if d.done || d.s.Ended() || d.conn.tunnel() {
		return false
	}
	return d.conn.busy()
}

// Drain closes the connection at its next request boundary
// (pipeline.RequestTracker): a fresh one, unless stopping, after its first
// request.
func (d *decodeRequest) Drain(stopping bool) {
	if d.done || d.s.Ended() || d.conn.tunnel() {
		return
	}
	d.conn.draining = true
	if stopping || d.heads > 0 {
		d.closeIfDrained()
	}
}

// closeIfDrained ends the stream once a drained connection has no request
// in flight.
func (d *decodeRequest) closeIfDrained() {
	if d.conn.draining && !d.Busy() && !d.done && !d.s.Ended() {
		d.stopTimer()
		d.done = true
		d.next.Input(&event.SessionEnd{})
	}
}
