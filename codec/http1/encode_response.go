package http1

import (
	"errors"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// EncodeResponseFilter is the encodeHttpResponse filter: it turns response
// messages into bytes, keeping their boundaries. For each event kind:
//
//   - *event.MessageStart begins a response. Its head is the filter's Head
//     when that is set (it replaces the message's head, as in Pipy), else
//     the message's own; any kind of head is read by field name (see
//     ResponseHeadOf): a request head gives a 200 with the request's headers,
//     less the framing fields. A response without a body — 1xx, 204, 304, or
//     one to a HEAD request — comes out at once; others are held.
//   - *event.Data inside a response is buffered, sharing its chunks, up to
//     BufferSize bytes, and no longer than the worker's batch: at the end of
//     the batch, or beyond that size, the head comes out with
//     "Transfer-Encoding: chunked" (for an HTTP/1.0 client: with no framing
//     and "Connection: close") and the body follows as it arrives. The body
//     of a bodiless response is dropped. Data outside a response passes on
//     unchanged (a tunnel after 101 or CONNECT).
//   - *event.MessageEnd ends the response: a buffered one comes out whole,
//     as one Data, with "Content-Length"; a streamed one is ended. When the
//     request asked to close the connection (the response then says
//     "Connection: close"), or the response itself does (its Connection is
//     ConnClose, or a Connection field says close), a SessionEnd follows it
//     and ends the stream.
//   - *event.SessionEnd passes on. When decodeHttpRequest failed (a bad
//     request, oversized head, or head timeout) and no response is being
//     written, the error response for its status ("HTTP/1.1 400 Bad
//     Request", "Connection: close", "Content-Length: 0") comes out first,
//     as a message like the others.
//     A response still being buffered is dropped. When the SessionEnd
//     carries another error while a request is owed its response (none of
//     it written yet), a 500 naming the cause comes out first (see
//     WriteFailureResponse), or a 413 when a filter collecting the request
//     found its body too large (event.ErrBodyTooLarge).
//
// When the stream fails anywhere else (a filter or callback fails, and its
// SessionEnd goes straight to the stream's output), the same 500 comes out
// first, through the filters after this one (see Stream.OnFail).
//
// Each response comes out as a whole message, as in Pipy: its MessageStart
// (carrying the head written) when its head is written, its bytes as Data,
// its MessageEnd; sockets write only the bytes, and onMessage or
// replaceMessage after the encoder see one message per response. The
// framing fields come from the body, never from the head, so a body changed
// on the way (replaceMessageBody) goes out framed right.
//
// What each request requires (HEAD, close, HTTP/1.0, CONNECT) comes from
// decodeHttpRequest in the same context, or the one it was derived from; a
// 101 response, or a 2xx response to CONNECT, switches that decoder to a
// tunnel. Without it, every response is taken as one to a keep-alive GET,
// and the error response is taken from a SessionEnd whose Cause is a
// *SyntaxError. A head that cannot be encoded safely (see WriteResponseHead)
// ends the stream, before any of its bytes, with a RuntimeError SessionEnd
// whose Cause wraps ErrInvalidHead (and ErrBadHeader for a header field with
// CR, LF or NUL, or a name that is not a token).
//
// The zero value is ready to use; an EncodeResponseFilter is shared by every
// stream of its pipeline and must not be changed once a stream has started.
type EncodeResponseFilter struct {
	// Head, when not nil, replaces each message's head: any head
	// ResponseHeadOf reads (a *ResponseHead, a map[string]any, an
	// event.Head, …) or a func(*pipeline.Stream) any called at each
	// MessageStart and returning one. A panic in the function ends the
	// stream with a RuntimeError SessionEnd.
	Head any
	// BufferSize is how many body bytes are buffered to compute
	// Content-Length. Zero means DefaultBufferSize; a negative value streams
	// every body.
	BufferSize int
}

// EncodeResponse returns the encodeHttpResponse filter with head as its Head.
func EncodeResponse(head any) *EncodeResponseFilter { return &EncodeResponseFilter{Head: head} }

// Info describes the filter as scripts call it.
func (f *EncodeResponseFilter) Info() pipeline.Info {
	return pipeline.Info{Name: "encodeHttpResponse", Synopsis: "([head])", Summary: "Encodes messages into HTTP/1 responses (a head argument replaces each message's head)"}
}

// New returns the filter's instance for stream s.
func (f *EncodeResponseFilter) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	e := &encodeResponse{s: s, next: next, limit: bufferLimit(f.BufferSize)}
	e.arg = headArg(s, f.Head, "encodeHttpResponse", func(v any) (any, error) { return ResponseHeadOf(v) },
		func(v any) any { return cloneResponseHead(v.(*ResponseHead)) })
	s.OnFail(e.answerFailure)
	return e
}

// encodeResponse is the per-stream instance of EncodeResponseFilter.
type encodeResponse struct {
	s     *pipeline.Stream
	next  pipeline.Target
	limit int
	arg   func() (any, bool) // the filter's Head; nil when not set
	done  bool               // a SessionEnd went out

	msg      *event.MessageStart // the response's MessageStart, passed on with its head
	head     *ResponseHead       // the response being encoded; nil outside one
	body     *event.Data         // its buffered body
	info     reqInfo             // what its request requires
	framing  Framing             // how its body goes out, once its head is out
	headOut  bool                // its head went out
	closeAft bool                // the stream ends after it
	flushing bool                // a Flush is asked for the end of the batch
	sent     int64               // body bytes of the response passed on
	x        *Exchange           // reused for each Observer call
	conn     *serverConn         // see serverConn
}

// serverConn returns the server-side state decodeHttpRequest keeps in the
// encoder's context (or the one it was derived from), or nil. Once found it
// is kept: a context's decoder is made once, with the stream, so the lookup
// (a walk up the contexts with a map lookup in each) is not paid again for
// every response. While none is found it is looked up again each time.
func (e *encodeResponse) serverConn() *serverConn {
	if e.conn == nil {
		e.conn, _ = e.s.Context().Value(serverKey{}).(*serverConn)
	}
	return e.conn
}

// Flush is called by the worker at the end of the batch in which a response
// began to be buffered: what the response has so far goes out, so that an
// answer arriving in pieces (server-sent events) reaches the client live.
func (e *encodeResponse) Flush() {
	e.flushing = false
	if e.done || e.s.Ended() || e.head == nil || e.headOut {
		return
	}
	var ok bool
	defer e.s.Catch("encodeHttpResponse", &ok)
	e.writeHead(UnknownLength, nil)
	ok = true
}

// flushLater asks for Flush at the end of the batch.
func (e *encodeResponse) flushLater() {
	if !e.flushing && e.limit >= 0 {
		e.flushing = true
		e.s.Worker().FlushLater(e)
	}
}

// Input buffers or streams each response, as described on the filter.
func (e *encodeResponse) Input(evt event.Event) {
	if e.done || e.s.Ended() {
		return
	}
	switch evt := evt.(type) {
	case *event.MessageStart:
		e.start(evt)
	case *event.Data:
		switch {
		case e.head == nil:
			e.next.Input(evt)
		case e.headOut:
			out := new(event.Data)
			switch e.framing {
			case FramingChunked:
				WriteChunk(out, evt)
			case FramingClose, FramingLength:
				out = evt
			}
			e.sent += int64(evt.Len())
			if out.Len() > 0 {
				e.next.Input(out)
			}
		case dataLen(e.body)+evt.Len() > e.limit:
			e.writeHead(UnknownLength, evt)
		case e.body == nil:
			e.body = evt
		default:
			e.body.PushData(evt)
		}
	case *event.MessageEnd:
		e.end(evt)
	case *event.SessionEnd:
		if status := e.errorStatus(evt); status != 0 && !(e.head != nil && e.headOut) {
			out := new(event.Data)
			WriteErrorResponse(out, status)
			e.emitSynthetic(status, out)
		} else if e.owesAnswer(evt) {
			out := new(event.Data)
			WriteFailureResponse(out, evt)
			e.observeOwed(FailureStatus(evt))
			e.emitSynthetic(FailureStatus(evt), out)
		}
		e.msg, e.head, e.body, e.done = nil, nil, nil, true
		e.next.Input(evt)
	default:
		e.next.Input(evt)
	}
}

// start resolves a response's head and writes it at once when it has no body.
func (e *encodeResponse) start(evt *event.MessageStart) {
	var h *ResponseHead
	if e.arg != nil {
		v, ok := e.arg()
		if !ok {
			return
		}
		h = v.(*ResponseHead)
	} else {
		var err error
		if h, err = ResponseHeadOf(evt.Head); err != nil {
			failIn(e.s, "encodeHttpResponse", err)
			return
		}
	}
	conn := e.serverConn()
	e.info = reqInfo{}
	if h.Status >= 200 || h.Status == 101 {
		e.info = conn.pop()
	}
	if h.Status >= 200 && conn != nil { // drained: the last answer closes
		conn.answering = true
		e.info.close = e.info.close || (conn.lastAnswer() && !e.info.connect)
	}
	e.closeAft = h.Status >= 200 && (e.info.close || !h.KeepAlive())
	switch {
	case h.Status >= 200 && e.info.close && h.KeepAlive():
		c := *h
		c.Connection = ConnClose // the head writer adds "connection: close"
		h = &c
	case e.info.http10 && !e.closeAft && !h.Headers.Has("connection"):
		h = withHeader(h, "connection", "keep-alive")
	}
	e.msg, e.head, e.body, e.headOut = evt, h, nil, false
	tunnel := h.Status == 101 || (e.info.connect && h.Status >= 200 && h.Status < 300)
	switch {
	case tunnel || e.info.head:
		e.writeHead(NoBody, nil)
	case h.Status < 200 || h.Status == 204 || h.Status == 304:
		e.writeHead(0, nil)
	case e.limit < 0:
		e.writeHead(UnknownLength, nil)
	default:
		e.flushLater()
	}
	if tunnel && conn != nil && e.headOut {
		e.closeAft = false
		conn.dec.Tunnel()
		// The connection is a byte stream now: no requests to track, so
		// it idles, and drains, as one (a quiet WebSocket is not cut at
		// the keep-alive idle timeout).
		e.s.Context().SetRequestTracker(nil)
	}
}

// end writes what is left of the response and ends the stream if it must.
func (e *encodeResponse) end(evt *event.MessageEnd) {
	if e.head == nil {
		return
	}
	if !e.headOut {
		tail, _ := HeadersOf(evt.Tail)
		if len(tail) > 0 && !e.info.http10 {
			e.writeHead(UnknownLength, nil) // only chunked coding carries trailers
		} else {
			e.writeHead(int64(dataLen(e.body)), nil)
		}
		if !e.headOut {
			return
		}
	}
	if e.framing == FramingChunked {
		out := new(event.Data)
		tail, err := HeadersOf(evt.Tail)
		if err == nil {
			err = WriteLastChunk(out, tail)
		}
		if err != nil {
			failIn(e.s, "encodeHttpResponse", err)
			return
		}
		e.next.Input(out)
	}
	closeAfter := e.closeAft || e.framing == FramingClose
	if conn := e.serverConn(); conn != nil && e.head.Status >= 200 {
		conn.answering = false
		closeAfter = closeAfter || conn.lastAnswer() // drained as it was written
		e.observe(&e.info, e.head.Status, e.sent)
	}
	e.msg, e.head, e.body, e.headOut = nil, nil, nil, false
	e.next.Input(evt)
	if closeAfter && !e.s.Ended() {
		e.done = true
		e.next.Input(&event.SessionEnd{})
	}
}

// writeHead writes the head for a body of the given length, then the
// buffered body and more. On failure it ends the stream.
func (e *encodeResponse) writeHead(length int64, more *event.Data) {
	h := e.head
	if length == UnknownLength && e.info.http10 && h.Protocol != proto10 {
		c := *h
		c.Protocol = proto10 // no chunked coding for this client: close-delimited
		h = &c
	}
	var buf [headBuffer]byte
	b, framing, err := appendResponseHead(buf[:0], h, length)
	if err != nil {
		// The response stays owed (its head is not out), so the failure
		// handler answers its request with a 500 instead.
		e.body = nil
		failIn(e.s, "encodeHttpResponse", err)
		return
	}
	var out *event.Data
	e.msg.Head = e.head
	if e.head == defaultResponseHead {
		// Never hand the shared one on: a copy, in one allocation with the
		// bytes (the default head has no fields to copy).
		blk := new(defaultHeadBlock)
		blk.head = *defaultResponseHead
		blk.out.InitCopy(b, blk.room[:0])
		e.msg.Head, out = &blk.head, &blk.out
	} else {
		out = event.FromCopy(b) // one allocation with its bytes
	}
	e.framing, e.headOut = framing, true
	e.next.Input(e.msg)
	if e.s.Ended() {
		return
	}
	switch framing {
	case FramingChunked:
		WriteChunk(out, e.body)
		WriteChunk(out, more)
	case FramingLength, FramingClose:
		out.PushData(e.body)
		out.PushData(more)
	}
	e.sent = int64(dataLen(e.body) + dataLen(more))
	e.body = nil
	e.next.Input(out)
}

// defaultHeadBlock is a response written with the default head (a message
// without one): the copy of the head passed on, and the Data of its bytes
// with room for them, together in one allocation of 384 bytes.
type defaultHeadBlock struct {
	head ResponseHead
	out  event.Data
	room [216]byte
}

// errorStatus returns the status to answer a failed request decoder with, or 0.
func (e *encodeResponse) errorStatus(se *event.SessionEnd) int {
	if conn := e.serverConn(); conn != nil {
		return conn.failStatus
	}
	var syn *SyntaxError
	if se.Err != event.NoError && errors.As(se.Cause, &syn) {
		return syn.Status
	}
	return 0
}

// withHeader returns a copy of h with one more field; h is left unchanged.
func withHeader(h *ResponseHead, name, value string) *ResponseHead {
	c := *h
	c.Headers = append(h.Headers[:len(h.Headers):len(h.Headers)], Header{Name: name, Value: value})
	return &c
}
