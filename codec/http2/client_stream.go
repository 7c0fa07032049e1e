package http2

import (
	"fmt"
	"strings"
	"time"

	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// clientStream is one request going to an upstream over HTTP/2 (the
// http1.MuxUpstream a muxHTTP filter feeds): its head and body wait in it
// until a connection gives it a stream and the windows let them out, and
// the frames of its answer go back through call.
type clientStream struct {
	c    *clientConn // nil while it waits in the pool
	pool *clientPool
	call muxCall
	fwd  *pipeline.Valve // the client's forward valve: its reading
	id   uint32          // 0 until its HEADERS go out

	// The request.
	fields   []hpack.HeaderField // its HEADERS, until they go out
	gotHead  bool
	slot     bool       // it holds one of the connection's streams
	inHeads  bool       // it is in its connection's heads list
	pend     event.Data // body waiting for the windows
	reqEnd   bool       // its MessageEnd came
	trailers []hpack.HeaderField
	localEnd bool  // END_STREAM went out
	sendWin  int64 // the stream's send window
	paused   bool  // the client's reading paused by us: pend is too long
	head     bool  // HEAD: the answer has no body

	// The answer.
	final       bool // its final head came
	closed      bool
	recvWin     int64
	recvUnacked int64
	valve       *pipeline.Valve // closed while the answer may not be read on
	follow      pipeline.Following
	waiting     bool           // credit waits for valve to open (WhenOpen)
	timer       pipeline.Timer // the answer timeout, from the HEADERS on
	lastSeen    time.Time      // when the last frame of the stream came
}

// muxCall is what a clientStream uses of its http1.MuxCall (the fuzz
// target's is a fake).
type muxCall interface {
	Answer(evt event.Event)
	Fail(end *event.SessionEnd)
	Retry() bool
}

// Input takes the request's events (http1.MuxUpstream).
func (s *clientStream) Input(evt event.Event) {
	if s.closed {
		return
	}
	switch e := evt.(type) {
	case *event.MessageStart:
		if s.gotHead {
			return
		}
		fields, err := requestFields(e.Head, s.pool.scheme, s.pool.target)
		if err != nil {
			s.fail(event.End(event.RuntimeError, fmt.Errorf("muxHTTP: %w", err)))
			return
		}
		s.gotHead, s.fields = true, fields
		if h, err := http1.RequestHeadOf(e.Head); err == nil && h.Method == "HEAD" {
			s.head = true
		}
	case *event.Data:
		if !s.gotHead || s.reqEnd {
			return
		}
		s.pend.PushData(e)
	case *event.MessageEnd:
		if !s.gotHead || s.reqEnd {
			return
		}
		s.reqEnd = true
		s.trailers = trailerFields(e.Tail)
	default:
		return
	}
	s.send()
	if !s.paused && s.pend.Len() > pendLimit {
		s.paused = true
		s.fwd.Pause()
	}
}

// Cancel abandons the request: the client left (http1.MuxUpstream). Its
// stream, if open, is reset with CANCEL.
func (s *clientStream) Cancel() {
	if s.closed {
		return
	}
	if c := s.c; c != nil && s.id != 0 && !c.done {
		_ = c.fr.WriteRSTStream(s.id, http2.ErrCodeCancel)
		c.later()
	}
	s.close()
}

// send writes what it can of the request: its HEADERS once the stream has
// a place (at the batch's flush when nothing else comes with them), then
// the body as the windows allow, then its end.
func (s *clientStream) send() {
	c := s.c
	if c == nil || !s.slot || s.localEnd || s.closed || !s.gotHead {
		return
	}
	if s.id == 0 {
		if !s.reqEnd && s.pend.Len() == 0 {
			if !s.inHeads {
				s.inHeads = true
				c.heads = append(c.heads, s)
			}
			c.later()
			return
		}
		s.writeHead(s.reqEnd && s.pend.Len() == 0 && s.trailers == nil)
		if s.localEnd {
			return
		}
	}
	for s.pend.Len() > 0 {
		n := min(int64(s.pend.Len()), s.sendWin, c.sendWin, int64(c.peerMaxFrame))
		if n <= 0 {
			break
		}
		chunk := s.pend.Shift(int(n))
		s.sendWin -= n
		c.sendWin -= n
		end := s.reqEnd && s.pend.Len() == 0 && s.trailers == nil
		_ = c.fr.WriteData(s.id, end, chunk.Bytes())
		if end {
			s.localEnd = true
		}
	}
	c.later()
	if s.pend.Len() > 0 {
		return
	}
	if s.paused {
		s.paused = false
		s.fwd.Resume()
	}
	if s.reqEnd && !s.localEnd {
		if s.trailers != nil {
			c.writeHeaders(s.id, s.trailers, true)
		} else {
			_ = c.fr.WriteData(s.id, true, nil)
		}
		s.localEnd = true
	}
}

// writeHead writes the request's HEADERS: the stream gets its id now, so
// that ids go out in increasing order.
func (s *clientStream) writeHead(end bool) {
	c := s.c
	s.id = c.nextID
	c.nextID += 2
	c.lastOpen = s.id
	c.streams[s.id] = s
	c.writeHeaders(s.id, s.fields, end)
	s.fields = nil
	s.localEnd = end
	if d := s.pool.answerTimeout; d > 0 {
		s.lastSeen = c.w.BatchNow()
		s.timer = c.w.AfterFunc(d, s.checkTimeout)
	}
	if c.nextID > 1<<31-1 {
		c.goaway = true // stream ids are spent: new requests go to another connection
	}
}

// checkTimeout fails the request when nothing of its answer came for the
// answer timeout (nginx's proxy_read_timeout, per stream: the upstream's
// other streams and its control frames do not count): 504, or a cut
// answer.
func (s *clientStream) checkTimeout() {
	s.timer = nil
	if s.closed {
		return
	}
	d := s.pool.answerTimeout
	if left := d - s.c.w.Now().Sub(s.lastSeen); left > 0 {
		s.timer = s.c.w.AfterFunc(left, s.checkTimeout)
		return
	}
	if c := s.c; !c.done {
		_ = c.fr.WriteRSTStream(s.id, http2.ErrCodeCancel)
		c.later()
	}
	s.fail(event.End(event.Timeout, fmt.Errorf("%w: muxHTTP %s: no answer for %v", pipeline.ErrTimeout, s.pool.target, d)))
}

// headers handles a complete header block on the stream: an interim
// answer, the final answer's head, or its trailers.
func (s *clientStream) headers(hb *headerBlock) {
	s.lastSeen = s.c.w.BatchNow()
	if hb.tooBig {
		s.reset(http2.ErrCodeProtocol, fmt.Errorf("%w: answer head over %d bytes", ErrProtocol, s.c.maxList))
		return
	}
	if s.final {
		tail, ok := trailersOf(hb.fields)
		if !hb.endStream || !ok {
			s.reset(http2.ErrCodeProtocol, fmt.Errorf("%w: bad trailers", ErrProtocol))
			return
		}
		s.remoteEnd(&event.MessageEnd{Tail: tail})
		return
	}
	h, ok := responseHeadOf(hb.fields, s.head)
	if !ok || h.Status == 101 || h.Status < 200 && hb.endStream {
		s.reset(http2.ErrCodeProtocol, fmt.Errorf("%w: bad answer head", ErrProtocol))
		return
	}
	var tail http1.Headers
	if h.Status >= 200 && hb.endStream {
		tail = grpcStatusOf(h)
	}
	s.call.Answer(&event.MessageStart{Head: h})
	if h.Status < 200 {
		if !s.closed {
			s.call.Answer(&event.MessageEnd{})
		}
		return
	}
	s.final = true
	if hb.endStream && !s.closed {
		end := &event.MessageEnd{}
		if tail != nil {
			end.Tail = tail
		}
		s.remoteEnd(end)
	}
}

// grpcStatusOf takes the status fields out of the head of a gRPC
// "trailers-only" answer (one HEADERS frame ending the stream) and returns
// them as trailers: where a gRPC client looks for them once the answer has
// crossed a hop that sends a head and then the end (demuxHTTP does), and
// where scripts find grpc-status on other answers. Other heads give nil.
func grpcStatusOf(h *http1.ResponseHead) http1.Headers {
	if !strings.HasPrefix(h.Headers.Get("content-type"), "application/grpc") {
		return nil
	}
	var tail http1.Headers
	kept := h.Headers[:0]
	for _, f := range h.Headers {
		switch f.Name {
		case "grpc-status", "grpc-message", "grpc-status-details-bin":
			tail = append(tail, f)
		default:
			kept = append(kept, f)
		}
	}
	h.Headers = kept
	return tail
}

// data handles a DATA frame of the answer.
func (s *clientStream) data(f *http2.DataFrame) {
	if !s.final {
		s.reset(http2.ErrCodeProtocol, fmt.Errorf("%w: DATA before the answer's head", ErrProtocol))
		return
	}
	s.lastSeen = s.c.w.BatchNow()
	n := int64(f.Length)
	s.recvWin -= n
	if s.recvWin < 0 {
		s.reset(http2.ErrCodeFlowControl, fmt.Errorf("%w: stream window exceeded", ErrProtocol))
		return
	}
	s.recvUnacked += n
	if b := f.Data(); len(b) > 0 && !s.head {
		s.call.Answer(event.FromCopy(b))
	}
	if s.closed {
		return
	}
	if f.StreamEnded() {
		s.remoteEnd(&event.MessageEnd{})
		return
	}
	s.credit()
}

// credit gives the upstream back the window of what the client read, once
// it is half the window, and only while the client reads on (the valve is
// open): a slow client holds the upstream by its window. While the valve
// is closed, the valve calls back when it opens (Valve.WhenOpen): no
// goroutine waits.
func (s *clientStream) credit() {
	if s.closed || s.recvUnacked < clientStreamWindow/2 || s.waiting {
		return
	}
	if s.valve != nil {
		w := s.c.w
		if s.valve.WhenOpen(func() { w.Post(s.valveOpened) }) {
			s.waiting = true
			return
		}
	}
	_ = s.c.fr.WriteWindowUpdate(s.id, uint32(s.recvUnacked))
	s.recvWin += s.recvUnacked
	s.recvUnacked = 0
	s.c.later()
}

// valveOpened runs on the worker once the valve credit waited for opens.
func (s *clientStream) valveOpened() {
	if s.waiting {
		s.waiting = false
		s.credit()
	}
}

// remoteEnd ends the answer: the stream is done.
func (s *clientStream) remoteEnd(end *event.MessageEnd) {
	if s.c != nil && !s.localEnd && !s.c.done {
		// an answer before the whole request: the rest is not wanted
		_ = s.c.fr.WriteRSTStream(s.id, http2.ErrCodeNo)
		s.c.later()
	}
	call := s.call
	s.close()
	call.Answer(end)
}

// upstreamReset handles the upstream's RST_STREAM: a refused stream goes
// again, others fail this request only.
func (s *clientStream) upstreamReset(code http2.ErrCode) {
	end := event.End(event.ReadError, &ResetError{Code: code})
	if code == http2.ErrCodeRefusedStream {
		s.again(end)
		return
	}
	s.fail(end)
}

// reset resets the stream for the client's own reason (a malformed
// answer) and fails the request.
func (s *clientStream) reset(code http2.ErrCode, err error) {
	if c := s.c; c != nil && s.id != 0 && !c.done {
		_ = c.fr.WriteRSTStream(s.id, code)
		c.later()
	}
	s.fail(event.End(event.ProtocolError, err))
}

// again sends a request the upstream did not process once more, on another
// stream, when muxHTTP kept it; else it fails with end.
func (s *clientStream) again(end *event.SessionEnd) {
	call := s.call
	s.close()
	if !call.Retry() {
		call.Fail(end)
	}
}

// fail ends the request with the upstream's failure.
func (s *clientStream) fail(end *event.SessionEnd) {
	if s.closed {
		return
	}
	call := s.call
	s.close()
	call.Fail(end)
}

// close forgets the stream: its place on the connection (or in the pool's
// queue) is given back and its flow control let go.
func (s *clientStream) close() {
	if s.closed {
		return
	}
	s.closed = true
	if s.paused {
		s.paused = false
		s.fwd.Resume()
	}
	s.follow.Stop()
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	s.waiting = false // a callback of the valve's still to come finds nothing to do
	s.pend.Reset()
	if s.c != nil {
		s.c.streamGone(s)
	} else {
		s.pool.unwait(s)
	}
}
