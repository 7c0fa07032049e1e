package http1

import (
	"errors"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// MuxTransport carries the requests of a MuxHTTP filter in place of its
// HTTP/1 pool (MuxHTTPOptions.Transport): codec/http2's HTTP/2 client is
// one. The filter keeps what does not depend on the upstream protocol: the
// answers come out in request order, at most MaxInFlight requests of a
// client are out at once, failures become synthetic answers or a cut, and
// a client that leaves cancels its requests.
type MuxTransport interface {
	// Open starts carrying call's request. It is called on the client
	// stream's worker when the request may go (within MaxInFlight); the
	// request's events (MessageStart, Data, MessageEnd) follow through the
	// returned MuxUpstream, and its answer goes back through call, never
	// from inside Open.
	Open(call MuxCall) MuxUpstream
}

// MuxUpstream is one request on its way through a MuxTransport. Its
// methods are called on the client stream's worker.
type MuxUpstream interface {
	// Input takes the request's events, handed over.
	Input(evt event.Event)
	// Cancel abandons the request: the client left, or failed. The
	// MuxCall must not be used after.
	Cancel()
}

// MuxCall is one request a MuxHTTP filter gave to a MuxTransport: the way
// its answer comes back. Its methods are called on the client stream's
// worker. Once the final answer's MessageEnd went through Answer, or Fail
// or a successful Retry was called, or the MuxUpstream was cancelled, the
// call is over and must not be used again.
type MuxCall struct{ r *poolReq }

// Stream returns the client's stream: its context gives the valves the
// transport's flow control follows.
func (c MuxCall) Stream() *pipeline.Stream { return c.r.m.s }

// Target returns the upstream address the request goes to.
func (c MuxCall) Target() string { return c.r.target }

// Options returns the filter's options, defaults applied; they are
// shared and must not be changed.
func (c MuxCall) Options() *MuxHTTPOptions { return &c.r.m.f.opts }

// SetValve gives the valve the filter closes while it holds too much of
// this answer (an earlier answer is not out yet): the transport reads the
// answer's body only while it is open.
func (c MuxCall) SetValve(v *pipeline.Valve) { c.r.valve = v }

// Answer takes an event of the answer. Interim answers (1xx heads) pass as
// whole messages; the final answer's MessageEnd completes the call.
func (c MuxCall) Answer(evt event.Event) {
	r := c.r
	switch e := evt.(type) {
	case *event.MessageStart:
		r.upInMsg = true
		if h, ok := e.Head.(*ResponseHead); !ok || h.Status >= 200 {
			r.upAnswered = true
		}
	case *event.MessageEnd:
		r.upInMsg = false
		if r.upAnswered {
			r.up = nil
			r.resume()
			r.answer(evt)
			r.finish()
			r.done()
			return
		}
	}
	r.answer(evt)
}

// Fail ends the call with the upstream's failure: a request none of whose
// answer came is answered 503 (no connection could be had), 504 (timed
// out), 502 (broken, closed, protocol error) or as end's kind says; an
// answer cut short cuts the client's stream. So does an upstream's reset
// (a cause that is a StreamReset) of a request none of whose answer came,
// when its stream's context was marked by PassResets and no earlier answer
// of the stream is pending: its client gets the reset itself.
func (c MuxCall) Fail(end *event.SessionEnd) {
	r := c.r
	r.up = nil
	r.resume()
	if r.upAnswered || r.upInMsg || r.passReset(end) {
		r.cut(end)
		return
	}
	r.failed(end)
}

// StreamReset is the cause of a request's failure when its upstream reset
// the request's stream (codec/http2's *ResetError): ResetCode is the
// upstream's HTTP/2 error code (RFC 9113 section 7).
type StreamReset interface {
	error
	ResetCode() uint32
}

// resetsKey is the context key PassResets sets.
type resetsKey struct{}

// PassResets marks ctx, a request stream's context or one it derives from,
// as one whose client takes an upstream's reset of the request as a reset
// of its own (an HTTP/2 client of demuxHTTP, whose side of it marks the
// connection's context): muxHTTP then ends the stream with the failure, its cause a
// StreamReset, instead of answering 502, as long as no answer began. Other
// clients get the 502.
func PassResets(ctx *pipeline.Context) { ctx.SetValue(resetsKey{}, true) }

// passReset reports whether end, r's failure, is an upstream's reset that
// r's client takes as such (PassResets): r's answer is the first pending.
func (r *poolReq) passReset(end *event.SessionEnd) bool {
	var sr StreamReset
	m := r.m
	return end.Cause != nil && errors.As(end.Cause, &sr) && m.s.Context().Value(resetsKey{}) != nil &&
		len(m.queue) > 0 && m.queue[0] == r && len(r.out) == 0
}

// Retry sends the request again through the transport's Open, for a
// request the upstream did not process (an HTTP/2 stream refused, or above
// a GOAWAY's last stream), and reports whether it did: not when nothing of
// the answer may have come, the request was too large to keep (64 KiB of
// body), or it was retried MaxConns times already. When it reports false,
// the call is still the transport's to Fail.
func (c MuxCall) Retry() bool {
	r := c.r
	if r.noRetry || r.upAnswered || r.upInMsg || r.retries >= r.m.f.opts.MaxConns {
		return false
	}
	r.retries++
	poolStats.retried.Add(1)
	r.resume()
	r.up, r.valve = nil, nil
	r.open()
	return true
}

// open gives the request to the filter's transport and sends it what it
// has of the request so far (all of it again on a retry).
func (r *poolReq) open() {
	r.m.s.Context().SetUpstream(r.target)
	r.up = r.m.f.opts.Transport.Open(MuxCall{r})
	evts := r.held
	if r.retries > 0 {
		evts = r.sent
	}
	for _, e := range evts {
		if d, ok := e.(*event.Data); ok && r.retries > 0 {
			e = d.Clone() // sent is kept for another retry
		}
		if r.up == nil {
			break // the transport failed the request (a head it cannot send)
		}
		r.up.Input(e)
	}
	r.held = nil
}
