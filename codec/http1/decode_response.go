package http1

import (
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// DecodeResponseFilter is the decodeHttpResponse filter: it turns the bytes
// a server sends into response messages. For each event kind:
//
//   - *event.Data is decoded (see Decoder): each response comes out as an
//     *event.MessageStart with a *ResponseHead, its body as *event.Data
//     sharing the input's chunks, and an *event.MessageEnd. After a 101
//     response, or a 2xx response to CONNECT, later bytes pass on as Data.
//   - *event.MessageStart and *event.MessageEnd are dropped: the input is one
//     byte stream.
//   - *event.SessionEnd completes a body delimited by the end of the stream,
//     and passes on. A stream ending cleanly in the middle of a response
//     passes on as a ProtocolError SessionEnd whose Cause wraps
//     ErrUnexpectedEnd; the partial response is left without its MessageEnd.
//
// Synthetic responses: when the upstream fails (a SessionEnd of any kind
// but NoError), sends a malformed response, or closes with requests still
// unanswered, and no response body is being passed on, each request
// encodeHttpRequest wrote in this stream and no response answered gets a
// made-up response with no body first: 503 for CannotResolve and
// ConnectionRefused, 502 for ReadError and WriteError, a malformed or cut
// response or a close, 504 for Timeout (an upstream timeout: connect or
// answer), 401 for Unauthorized, 500 for any other kind. Without
// encodeHttpRequest in the stream the filter cannot tell which requests
// wait, so it answers once for a failure and not for a close. A malformed
// response then ends the stream with a ProtocolError SessionEnd whose Cause
// is the *SyntaxError.
//
// The methods of the requests come from encodeHttpRequest in the same
// stream, so that responses to HEAD have no body and a 2xx to CONNECT starts
// a tunnel; without it every response is taken as one to GET.
//
// The zero value is ready to use; a DecodeResponseFilter is shared by every
// stream of its pipeline and must not be changed once a stream has started.
type DecodeResponseFilter struct {
	// Options are the decoder's limits; the zero value gives the defaults.
	// When Options.RequestMethod is nil, the methods recorded by
	// encodeHttpRequest in the same stream are used.
	Options Options
}

// DecodeResponse returns the decodeHttpResponse filter with default options.
func DecodeResponse() *DecodeResponseFilter { return &DecodeResponseFilter{} }

// Info describes the filter as scripts call it.
func (f *DecodeResponseFilter) Info() pipeline.Info {
	return pipeline.Info{Name: "decodeHttpResponse", Synopsis: "()", Summary: "Decodes HTTP/1 responses from bytes into messages"}
}

// New returns the filter's instance for stream s.
func (f *DecodeResponseFilter) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	d := &decodeResponse{s: s, next: next, conn: clientConnOf(s)}
	opts := f.Options
	if opts.RequestMethod == nil {
		opts.RequestMethod = d.requestMethod
	} else {
		d.conn = nil // the caller keeps track of requests
	}
	d.dec = NewResponseDecoder(opts)
	return d
}

// decodeResponse is the per-stream instance of DecodeResponseFilter.
type decodeResponse struct {
	s    *pipeline.Stream
	next pipeline.Target
	dec  *Decoder
	conn *clientConn // nil when the methods come from Options
	done bool        // a SessionEnd went out
	// tunnel is set once the stream became a tunnel and the context was
	// told (pipeline.Context.Tunnel), so that connect owes no answers.
	tunnel bool
	// unanswered is set when a final status line took a request's method
	// and its head has not come out yet.
	unanswered bool
}

// Input decodes Data, drops message boundaries and answers for a failed
// upstream.
func (d *decodeResponse) Input(evt event.Event) {
	if d.done || d.s.Ended() {
		return
	}
	switch evt := evt.(type) {
	case *event.Data:
		if err := d.dec.Decode(evt, d.emit); err != nil {
			d.answer(502, true)
			d.end(event.End(event.ProtocolError, err))
			return
		}
		if !d.tunnel && d.dec.Tunneled() {
			d.tunnel = true
			d.s.Context().Tunnel()
		}
	case *event.MessageStart, *event.MessageEnd:
	case *event.SessionEnd:
		if evt.Err != event.NoError {
			d.answer(failureStatus(evt.Err), true)
			d.end(evt)
			return
		}
		if err := d.dec.End(d.emit); err != nil {
			d.answer(502, true)
			d.end(event.End(event.ProtocolError, err))
			return
		}
		d.answer(502, false)
		d.end(evt)
	default:
		d.next.Input(evt)
	}
}

func (d *decodeResponse) emit(evt event.Event) {
	if _, ok := evt.(*event.MessageStart); ok {
		d.unanswered = false
	}
	if !d.done && !d.s.Ended() {
		d.next.Input(evt)
	}
}

// answer emits a synthetic response with the status for each request still
// waiting, unless a response is being decoded. Without a record of the
// requests (no encodeHttpRequest in the stream) it answers once for a
// failure, and not at all for a close.
func (d *decodeResponse) answer(status int, failure bool) {
	if d.dec.InMessage() {
		return
	}
	n := 0
	switch {
	case d.conn != nil && d.conn.encoder:
		n = len(d.conn.methods)
		if d.unanswered {
			n++
		}
		d.conn.methods, d.unanswered = nil, false
	case failure:
		n = 1
	}
	for range n {
		d.emit(&event.MessageStart{Head: NewResponseHead(status)})
		d.emit(&event.MessageEnd{})
	}
}

// requestMethod is the decoder's RequestMethod: the method of the oldest
// request encodeHttpRequest wrote and no response answered yet.
func (d *decodeResponse) requestMethod() string {
	d.unanswered = true
	return d.conn.popMethod()
}

func (d *decodeResponse) end(se *event.SessionEnd) {
	d.done = true
	d.next.Input(se)
}

// failureStatus maps an upstream failure to the status a client gets.
func failureStatus(kind event.ErrorKind) int {
	switch kind {
	case event.CannotResolve, event.ConnectionRefused:
		return 503
	case event.ReadError, event.WriteError:
		return 502
	case event.Timeout:
		return 504
	case event.Unauthorized:
		return 401
	}
	return 500
}
