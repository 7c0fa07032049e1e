package http1

import (
	"time"

	"github.com/sluice-go/sluice/pipeline"
)

// What the decoder and the encoder of one HTTP connection tell each other.
//
// Server side: decodeHttpRequest records, for each request it decodes, what
// the response must respect (HEAD, close, HTTP/1.0, CONNECT), in a
// *serverConn kept in its stream's context; encodeHttpResponse, in the same
// context or one derived from it (demux), takes one record per final
// response. When the request decoder fails it records the status to answer
// with, which the response encoder writes before the stream ends.
//
// Client side: encodeHttpRequest records the method of each request it
// writes, and decodeHttpResponse takes one per final response, so that
// responses to HEAD and CONNECT are framed right. The two must run in the
// same stream (typically encodeHttpRequest().connect().decodeHttpResponse());
// several such streams sharing a context each keep their own queue.

// serverKey is the context key of the *serverConn.
type serverKey struct{}

// serverConn is the server-side state shared through the context.
type serverConn struct {
	dec        *Decoder  // the request decoder, switched to a tunnel after 101 or CONNECT
	pending    []reqInfo // requests decoded and not answered yet, oldest first
	failStatus int       // when not 0, the request decoder failed: answer with this
	answering  bool      // the encoder is writing a final response
	draining   bool      // close at the next request boundary (RequestTracker.Drain)
}

// busy reports whether a request is in flight: part of it received, or
// decoded and not answered yet, or its response being written.
func (c *serverConn) busy() bool {
	return c.dec.InHead() || c.dec.InMessage() || len(c.pending) > 0 || c.answering
}

// tunnel reports whether the connection was switched to a tunnel.
func (c *serverConn) tunnel() bool { return c.dec.state == stTunnel }

// lastAnswer reports, for the encoder at the start or the end of a final
// response, whether the connection is drained and that response answers the
// last request received: the connection then closes after it.
func (c *serverConn) lastAnswer() bool {
	return c != nil && c.draining && len(c.pending) == 0 && !c.dec.InHead() && !c.dec.InMessage()
}

// reqInfo is what a response must respect about its request.
type reqInfo struct {
	head    bool // the method was HEAD: no body
	close   bool // the connection closes after the response
	http10  bool // the client speaks HTTP/1.0: no chunked coding
	connect bool // the method was CONNECT: a 2xx starts a tunnel

	// For an Observer, when one is installed (start is zero otherwise).
	method, path string
	start        time.Time
}

// maxPending bounds the records kept for requests nobody answers through
// the partner filter (a pipeline without one): the oldest are forgotten.
const maxPending = 256

// push records a decoded request, decoded on worker w.
func (c *serverConn) push(h *RequestHead, w *pipeline.Worker) {
	if len(c.pending) >= maxPending {
		c.pending = c.pending[1:]
	}
	r := reqInfo{
		head:    h.Method == "HEAD",
		close:   !h.KeepAlive(),
		http10:  h.Protocol == proto10,
		connect: h.Method == "CONNECT",
	}
	if observer.Load() != nil {
		r.method, r.path, r.start = h.Method, h.Path, w.BatchNow()
	}
	c.pending = append(c.pending, r)
}

// pop takes the oldest pending request; the zero reqInfo when there is none.
func (c *serverConn) pop() reqInfo {
	if c == nil || len(c.pending) == 0 {
		return reqInfo{}
	}
	r := c.pending[0]
	if len(c.pending) == 1 {
		c.pending = c.pending[:0] // the array is kept for the next request
	} else {
		c.pending = c.pending[1:]
	}
	return r
}

// clientKey is the context key of the *clientConns.
type clientKey struct{}

// clientConns holds the client-side queues of the streams of one context.
type clientConns map[*pipeline.Stream]*clientConn

// clientConn is the client-side state of one stream.
type clientConn struct {
	methods []string // methods of the requests written and not answered yet
	encoder bool     // an encodeHttpRequest records the methods
}

// clientConnOf returns the client-side state of stream s, making it (and
// arranging for its removal when s closes) on first use.
func clientConnOf(s *pipeline.Stream) *clientConn {
	ctx := s.Context()
	all, _ := ctx.Value(clientKey{}).(clientConns)
	if all == nil {
		all = clientConns{}
		ctx.SetValue(clientKey{}, all)
	}
	c := all[s]
	if c == nil {
		c = &clientConn{}
		all[s] = c
		s.OnClose(func() { delete(all, s) })
	}
	return c
}

// pushMethod records the method of a request written.
func (c *clientConn) pushMethod(m string) {
	if len(c.methods) >= maxPending {
		c.methods = c.methods[1:]
	}
	c.methods = append(c.methods, m)
}

// popMethod takes the method of the oldest unanswered request, or "".
func (c *clientConn) popMethod() string {
	if len(c.methods) == 0 {
		return ""
	}
	m := c.methods[0]
	c.methods = c.methods[1:]
	if len(c.methods) == 0 {
		c.methods = c.methods[:0:0]
	}
	return m
}
