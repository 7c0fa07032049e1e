package http1

import (
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// DefaultBufferSize is how many body bytes the encoders buffer, by default,
// to send a message with Content-Length before they fall back to streaming
// it chunked.
const DefaultBufferSize = 16 << 10

// EncodeRequestFilter is the encodeHttpRequest filter: it turns request
// messages into bytes, keeping their boundaries. For each event kind:
//
//   - *event.MessageStart begins a request. Its head is the filter's Head
//     when that is set (it replaces the message's head, as in Pipy), else
//     the message's own; any kind of head is read by field name (see
//     RequestHeadOf): a response head gives "GET /" with its headers.
//     Nothing comes out yet, except for a request with "Expect:
//     100-continue", which streams at once (its body waits for the answer
//     to its head).
//   - *event.Data inside a request is buffered, sharing its chunks, up to
//     BufferSize bytes; beyond that the MessageStart comes out with the
//     head's bytes, with "Transfer-Encoding: chunked", and the body follows
//     chunk by chunk as it arrives. Data outside a request passes on
//     unchanged (a tunnel after CONNECT).
//   - *event.MessageEnd ends the request: a buffered one comes out whole as
//     a MessageStart, one Data with "Content-Length" (or chunked when it
//     has trailers) and the MessageEnd; a streamed one gets its last chunk
//     and trailers, then the MessageEnd.
//   - *event.SessionEnd passes on; a request still being buffered is dropped.
//
// Its output is thus whole messages whose bodies are the encoded bytes, as
// in Pipy: sockets and connect write only the bytes, a decoder reads only
// them, and onMessage or mux after the encoder see one message per request.
// The MessageStart that comes out carries the head written. The framing
// fields come from the body, never from the head, so a body changed on the
// way (replaceMessageBody) goes out framed right.
//
// The method of each request written is recorded for decodeHttpResponse in
// the same stream. A head that cannot be encoded safely (see
// WriteRequestHead) ends the stream with a RuntimeError SessionEnd whose
// Cause wraps ErrInvalidHead (and ErrBadHeader for a header field with CR,
// LF or NUL, or a name that is not a token), before any of its bytes.
//
// The zero value is ready to use; an EncodeRequestFilter is shared by every
// stream of its pipeline and must not be changed once a stream has started.
type EncodeRequestFilter struct {
	// Head, when not nil, replaces each message's head: any head
	// RequestHeadOf reads (a *RequestHead, a map[string]any, an
	// event.Head, …) or a func(*pipeline.Stream) any called at each
	// MessageStart and returning one. A panic in the function ends the
	// stream with a RuntimeError SessionEnd.
	Head any
	// BufferSize is how many body bytes are buffered to compute
	// Content-Length. Zero means DefaultBufferSize; a negative value streams
	// every body chunked.
	BufferSize int
}

// EncodeRequest returns the encodeHttpRequest filter with head as its Head.
func EncodeRequest(head any) *EncodeRequestFilter { return &EncodeRequestFilter{Head: head} }

// Info describes the filter as scripts call it.
func (f *EncodeRequestFilter) Info() pipeline.Info {
	return pipeline.Info{Name: "encodeHttpRequest", Synopsis: "([head])", Summary: "Encodes messages into HTTP/1 requests (a head argument replaces each message's head)"}
}

// New returns the filter's instance for stream s.
func (f *EncodeRequestFilter) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	e := &encodeRequest{s: s, next: next, conn: clientConnOf(s), limit: bufferLimit(f.BufferSize)}
	e.conn.encoder = true
	e.arg = headArg(s, f.Head, "encodeHttpRequest", func(v any) (any, error) { return RequestHeadOf(v) },
		func(v any) any { return cloneRequestHead(v.(*RequestHead)) })
	return e
}

// encodeRequest is the per-stream instance of EncodeRequestFilter.
type encodeRequest struct {
	s     *pipeline.Stream
	next  pipeline.Target
	conn  *clientConn
	limit int
	arg   func() (any, bool) // the filter's Head; nil when not set

	start     *event.MessageStart // the request's MessageStart, passed on with its head
	head      *RequestHead        // the request being encoded; nil outside one
	body      *event.Data         // its buffered body
	streaming bool                // its head went out chunked
}

// Input buffers or streams each request, as described on the filter.
func (e *encodeRequest) Input(evt event.Event) {
	if e.s.Ended() {
		return
	}
	switch evt := evt.(type) {
	case *event.MessageStart:
		var h *RequestHead
		if e.arg != nil {
			v, ok := e.arg()
			if !ok {
				return
			}
			h = v.(*RequestHead)
		} else {
			var err error
			if h, err = RequestHeadOf(evt.Head); err != nil {
				failIn(e.s, "encodeHttpRequest", err)
				return
			}
		}
		e.start, e.head, e.body, e.streaming = evt, h, nil, false
		if e.limit < 0 || equalFold(h.Headers.Get("expect"), "100-continue") {
			// The sender of "Expect: 100-continue" waits for the server's
			// 100 before its body: the head cannot wait for the body.
			e.startStreaming(nil)
		}
	case *event.Data:
		switch {
		case e.head == nil:
			e.next.Input(evt)
		case e.streaming:
			out := new(event.Data)
			WriteChunk(out, evt)
			e.next.Input(out)
		case dataLen(e.body)+evt.Len() > e.limit:
			e.startStreaming(evt)
		case e.body == nil:
			e.body = evt
		default:
			e.body.PushData(evt)
		}
	case *event.MessageEnd:
		if e.head == nil {
			return
		}
		tail, err := HeadersOf(evt.Tail)
		if err != nil {
			failIn(e.s, "encodeHttpRequest", err)
			return
		}
		if !e.streaming && len(tail) > 0 {
			e.startStreaming(nil) // only chunked coding carries trailers
		}
		var out *event.Data
		if e.streaming {
			out = new(event.Data)
			if err := WriteLastChunk(out, tail); err != nil {
				failIn(e.s, "encodeHttpRequest", err)
				return
			}
		} else if out = e.writeHead(int64(dataLen(e.body))); out == nil {
			return
		} else if e.body != nil {
			out.PushData(e.body)
		}
		e.start, e.head, e.body = nil, nil, nil
		e.next.Input(out)
		if !e.s.Ended() {
			e.next.Input(evt)
		}
	case *event.SessionEnd:
		e.start, e.head, e.body = nil, nil, nil
		e.next.Input(evt)
	default:
		e.next.Input(evt)
	}
}

// startStreaming writes the head for a chunked body, then the buffered body
// and more as a chunk.
func (e *encodeRequest) startStreaming(more *event.Data) {
	out := e.writeHead(UnknownLength)
	if out == nil {
		return
	}
	e.streaming = true
	WriteChunk(out, e.body)
	WriteChunk(out, more)
	e.body = nil
	e.next.Input(out)
}

// writeHead writes the head into a new Data, passes the MessageStart on,
// records the method and returns the Data; on failure, or when the stream
// ended meanwhile, it returns nil (having ended the stream on failure).
func (e *encodeRequest) writeHead(length int64) *event.Data {
	var buf [headBuffer]byte
	b, _, err := appendRequestHead(buf[:0], e.head, length)
	if err != nil {
		e.start, e.head, e.body = nil, nil, nil
		failIn(e.s, "encodeHttpRequest", err)
		return nil
	}
	out := event.FromCopy(b) // one allocation with its bytes
	e.conn.pushMethod(e.head.Method)
	e.start.Head = e.head
	if e.head == defaultRequestHead {
		e.start.Head = cloneRequestHead(e.head) // never hand the shared one on
	}
	e.next.Input(e.start)
	if e.s.Ended() {
		return nil
	}
	return out
}

// dataLen is d.Len(), 0 for nil.
func dataLen(d *event.Data) int {
	if d == nil {
		return 0
	}
	return d.Len()
}

// bufferLimit resolves a BufferSize.
func bufferLimit(n int) int {
	if n == 0 {
		return DefaultBufferSize
	}
	return n
}

// headArg returns a function giving an encoder's Head argument for each
// message, converted with convert, or nil when head is nil. A static head is
// converted once and each message gets a copy of it (made by clone), since
// the head goes on downstream, where scripts may change it; a function is
// called and its result converted at each message. The function reports
// false, having ended the stream, when head panics or does not convert.
func headArg(s *pipeline.Stream, head any, name string, convert func(any) (any, error), clone func(any) any) func() (any, bool) {
	if head == nil {
		return nil
	}
	if fn, ok := head.(func(*pipeline.Stream) any); ok {
		return func() (v any, ok bool) {
			defer s.Catch(name, &ok)
			v, err := convert(fn(s))
			if err != nil {
				failIn(s, name, err)
				return nil, false
			}
			return v, true
		}
	}
	v, err := convert(head)
	return func() (any, bool) {
		if err != nil {
			failIn(s, name, err)
			return nil, false
		}
		return clone(v), true
	}
}
