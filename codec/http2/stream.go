package http2

import (
	"encoding/binary"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"golang.org/x/net/http/httpguts"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// pendLimit is how many answer bytes a stream queues, waiting for the
// client's window, before the reading of its upstream pauses.
const pendLimit = 64 << 10

// h2stream is one request: its stream of the target pipeline, and the
// answer that stream outputs on its way out as frames.
type h2stream struct {
	sc    *serverConn
	id    uint32
	st    *pipeline.Stream
	valve *pipeline.Valve
	blk   *requestBlock // the request's head and events

	remoteEnd   bool  // END_STREAM came
	closed      bool  // the stream is gone from the connection
	clen        int64 // the request's content-length, -1 when none
	got         int64 // body bytes received
	recvWin     int64
	recvUnacked int64
	// fwd is the request stream's own forward valve (its context's, by
	// pipeline.Context.SetValve): what it sends on to an upstream closes it
	// when the upstream does not take the body, and the stream's credit is
	// then held back, where HTTP/1 stops reading the whole connection
	fwd        pipeline.Valve
	creditWait bool // a wake-up is asked for when fwd opens

	sendWin  int64
	inMsg    bool // a message of the output is open
	headOut  bool // the answer's HEADERS went out
	msgEnd   bool // the answer's MessageEnd came
	localEnd bool // END_STREAM went out
	paused   bool // valve closed by us
	failing  bool // answering the stream's failure
	// bodyTimer runs while the request's body is open and its answer has
	// not begun: no DATA in the connection's BodyTimeout gets a 408
	bodyTimer pipeline.Timer
	lastData  time.Time // when the request's body last moved
	bodiless  bool      // the answer has no body: a HEAD request's, a 204 or a 304
	grpc      bool      // the request is a gRPC call (content-type application/grpc...)
	pend      event.Data
	trailers  []hpack.HeaderField
	// head is the answer's head, its HEADERS held until its end or the end
	// of the worker's batch (Flush), as is its body: an answer complete by
	// then goes out with END_STREAM on its last frame, one HEADERS frame
	// when it has no body nor trailers (what gRPC calls Trailers-Only, the
	// only way its errors are sent)
	head     *http1.ResponseHead
	flushing bool // a Flush is asked for the end of the batch
}

// open starts the stream of the target pipeline for request id.
func (sc *serverConn) open(id uint32, clen int64, blk *requestBlock) *h2stream {
	ctx := sc.s.Context().Derive()
	st := &h2stream{sc: sc, id: id, blk: blk, clen: clen, recvWin: initialWindow, sendWin: sc.peerInitWin}
	st.valve = ctx.ReturnValve().Child()
	ctx.SetReturnValve(st.valve)
	ctx.SetValve(&st.fwd)
	sc.streams[id] = st
	st.st = pipeline.NewStream(sc.target, ctx, st)
	st.st.SetValue(sc.s.Value())
	return st
}

// bodyProgress records that the request's body moved (its HEADERS, a
// DATA) and keeps a timer for the body timeout running, unless the answer
// has begun or there is no limit. The timer is not restarted at each DATA:
// when it fires it waits again for what is left since the last one.
func (st *h2stream) bodyProgress() {
	d := st.sc.bodyTimeout()
	if d < 0 || st.headOut || st.remoteEnd || st.closed {
		return
	}
	st.lastData = st.sc.s.Worker().BatchNow()
	if st.bodyTimer == nil {
		st.bodyTimer = st.sc.s.AfterFunc(d, st.bodyCheck)
	}
}

// bodyCheck runs when the body timeout may have passed.
func (st *h2stream) bodyCheck() {
	st.bodyTimer = nil
	if st.closed || st.sc.done || st.headOut || st.remoteEnd {
		return
	}
	if st.creditWait || !st.fwd.IsOpen() {
		// the body waits for its upstream, not for the client: the time
		// does not count against it
		st.lastData = st.sc.s.Worker().Now()
	}
	if left := st.sc.bodyTimeout() - st.sc.s.Worker().Now().Sub(st.lastData); left > 0 {
		st.bodyTimer = st.sc.s.AfterFunc(left, st.bodyCheck)
		return
	}
	st.bodyTimedOut()
}

func (st *h2stream) stopBodyTimer() {
	if st.bodyTimer != nil {
		st.bodyTimer.Stop()
		st.bodyTimer = nil
	}
}

// bodyTimedOut answers 408 to a request whose body stalled before its
// answer began, as HTTP/1 does, and stops the client's sending
// (RST_STREAM(NO_ERROR) after a complete answer, RFC 9113 section 8.1). The
// request's stream ends with a Timeout.
func (st *h2stream) bodyTimedOut() {
	sc := st.sc
	sc.depth++
	sc.answerLocal(st.id, 408)
	_ = sc.fr.WriteRSTStream(st.id, http2.ErrCodeNo)
	st.localEnd = true
	st.blk.fin.Err = event.Timeout
	sc.closeStream(st)
	sc.depth--
	sc.flushOut()
}

// credit gives the client back the stream's window of the body received,
// once it is half the window, and only while the stream's forward valve is
// open: a request whose upstream does not take its body holds its client
// by the stream's window (at most a window more is buffered), while the
// connection's window, returned as frames are read, lets its siblings go
// on. While the valve is closed, it asks to be woken when it opens
// (pipeline.Valve.WhenOpen): no goroutine waits.
func (st *h2stream) credit() {
	if st.closed || st.remoteEnd || st.creditWait || st.recvUnacked < initialWindow/2 {
		return
	}
	if !st.fwd.IsOpen() {
		st.creditWait = true
		if st.fwd.WhenOpen(st.fwdOpened) {
			return
		}
		st.creditWait = false // opened meanwhile
	}
	_ = st.sc.fr.WriteWindowUpdate(st.id, uint32(st.recvUnacked))
	st.recvWin += st.recvUnacked
	st.recvUnacked = 0
}

// fwdOpened runs when the stream's forward valve opens, on whichever
// goroutine opened it: the credit held back goes out on the worker.
func (st *h2stream) fwdOpened() {
	st.sc.s.Worker().Post(func() {
		st.creditWait = false
		sc := st.sc
		if st.closed || sc.done {
			return
		}
		sc.depth++
		st.credit()
		sc.depth--
		sc.flushOut()
	})
}

// endRemote ends the request's message (END_STREAM), with trailers if any.
func (st *h2stream) endRemote(tail http1.Headers) {
	st.stopBodyTimer()
	st.remoteEnd = true
	me := &st.blk.end
	if tail != nil {
		me.Tail = tail
	}
	st.st.Input(me)
	if st.localEnd {
		st.sc.closeStream(st)
	}
}

// closeStream forgets st: its pipeline stream gets its SessionEnd and is
// closed.
func (sc *serverConn) closeStream(st *h2stream) {
	if st.closed {
		return
	}
	st.closed = true
	st.stopBodyTimer()
	delete(sc.streams, st.id)
	if st.paused {
		st.paused = false
		st.valve.Resume()
	}
	st.st.Input(&st.blk.fin)
	st.st.Close()
	if sc.goaway && len(sc.streams) == 0 {
		sc.drain()
	}
}

// Input takes the output of the request's stream: its answer.
func (st *h2stream) Input(evt event.Event) {
	sc := st.sc
	if st.closed || sc.done {
		return
	}
	sc.depth++
	if e, ok := evt.(*event.SessionEnd); ok {
		switch {
		case st.localEnd:
		case !st.headOut && st.passReset(e):
		case !st.headOut:
			// no answer: the one demuxHTTP's HTTP/1 side gives a request
			// whose stream failed (demux's), an end without an answer
			// taken for a failure
			if e.Err == event.NoError {
				e = filter.Unanswered(st.st)
			}
			st.fail(e)
		case !st.msgEnd && st.grpc && e.Err != event.NoError:
			st.failGRPC(e)
		case !st.msgEnd:
			// cut mid-answer: what came of it goes out, then the reset
			// (HTTP/1 would close the connection)
			st.send()
			sc.streamError(st.id, http2.ErrCodeInternal)
		}
	} else {
		st.answer(evt)
	}
	sc.depth--
	sc.flushOut()
}

// passReset resets the stream with the upstream's code, and reports
// whether it did, when end, the request stream's end before any answer,
// is an upstream's reset of the request (http1.StreamReset; muxHTTP passes
// it on for a context marked by http1.PassResets): the client sees what a
// direct connection would show, and a gRPC client whose deadline passed
// reads CANCEL as DEADLINE_EXCEEDED, where a 502 reads as UNAVAILABLE.
func (st *h2stream) passReset(end *event.SessionEnd) bool {
	var sr http1.StreamReset
	if end.Err == event.NoError || !errors.As(end.Cause, &sr) {
		return false
	}
	st.sc.streamError(st.id, http2.ErrCode(sr.ResetCode()))
	return true
}

// answer handles an event of the answer: its head, body and end.
func (st *h2stream) answer(evt event.Event) {
	switch e := evt.(type) {
	case *event.MessageStart:
		st.start(e)
	case *event.Data:
		if st.inMsg && st.headOut && !st.msgEnd && !st.bodiless {
			// sent at the end of the batch (Flush), or with the MessageEnd
			// if it comes first: then the last DATA carries END_STREAM
			st.pend.PushData(e)
			st.flushLater()
		}
	case *event.MessageEnd:
		if st.inMsg {
			st.inMsg = false
			if st.headOut {
				st.msgEnd = true
				st.trailers = trailerFields(e.Tail)
				st.send()
			}
		}
	}
}

// start holds the answer's head (see head), or writes an interim answer's.
func (st *h2stream) start(e *event.MessageStart) {
	if st.inMsg || st.headOut {
		return
	}
	rh, err := http1.ResponseHeadOf(e.Head)
	if err != nil {
		st.sc.s.Logger().Warn("http2: bad answer head", "err", err)
		st.fail(event.End(event.RuntimeError, err))
		return
	}
	st.inMsg = true
	if rh.Status >= 100 && rh.Status < 200 {
		if rh.Status != 101 {
			st.writeHead(rh, false)
			st.inMsg = false // an interim answer has no body
			return
		}
		rh = &http1.ResponseHead{Status: 502}
	}
	st.headOut = true
	st.stopBodyTimer() // the answer has begun: the stream lives by it
	st.bodiless = st.bodiless || rh.Status == 204 || rh.Status == 304
	st.head = rh
	st.flushLater()
}

// flushLater asks for a Flush at the end of the worker's batch.
func (st *h2stream) flushLater() {
	if !st.flushing {
		st.flushing = true
		st.sc.s.Worker().FlushLater(st)
	}
}

// Flush sends the answer's head and body held at the end of the batch in
// which they came, so that an answer whose end comes later has them sent
// at once (pipeline.Flusher).
func (st *h2stream) Flush() {
	st.flushing = false
	if st.closed || st.localEnd || st.sc.done {
		return
	}
	st.send()
	st.sc.flushOut()
}

// writeHead writes the HEADERS of an answer head, its fields made in the
// connection's fieldBuf.
func (st *h2stream) writeHead(rh *http1.ResponseHead, endStream bool) {
	sc := st.sc
	fields := responseFields(sc.fieldBuf[:0], rh)
	sc.writeHeaders(st.id, fields, endStream)
	clear(fields) // no strings kept while idle
	if cap(fields) <= maxKeptFields {
		sc.fieldBuf = fields[:0]
	}
}

// fail answers a request whose stream ended with end before answering, as
// demuxHTTP's HTTP/1 side does: Options.OnFail's message, or a 500 naming
// the cause (filter.FailAnswer). Should that answer itself be refused (a
// bad head from OnFail), a plain 500.
func (st *h2stream) fail(end *event.SessionEnd) {
	if !st.failing {
		st.failing = true
		for _, e := range filter.FailAnswer(st.sc.s, end, st.sc.opts.OnFail) {
			st.answer(e)
		}
		if st.headOut {
			return
		}
	}
	st.inMsg, st.headOut = true, true
	st.head = &http1.ResponseHead{Status: 500}
	st.msgEnd, st.inMsg = true, false
	st.send()
}

// failGRPC ends a gRPC call whose answer broke off (its upstream failed)
// with grpc-status 14, UNAVAILABLE, in trailers after what was sent, as
// gRPC proxies do: a reset would reach the client as INTERNAL.
func (st *h2stream) failGRPC(e *event.SessionEnd) {
	st.msgEnd, st.inMsg = true, false
	st.trailers = []hpack.HeaderField{{Name: "grpc-status", Value: "14"}, {Name: "grpc-message", Value: "upstream failed: " + e.Err.String()}}
	st.send()
}

// send writes the held head and what the windows allow of the queued body,
// then the end.
func (st *h2stream) send() {
	sc := st.sc
	if st.closed || st.localEnd || !st.headOut {
		return
	}
	if st.head != nil {
		end := st.msgEnd && st.pend.Len() == 0 && st.trailers == nil
		st.writeHead(st.head, end)
		st.head = nil
		if end {
			st.endLocal()
			return
		}
	}
	for st.pend.Len() > 0 {
		n := min(int64(st.pend.Len()), st.sendWin, sc.sendWin, int64(sc.peerMaxFrame))
		if n <= 0 {
			break
		}
		st.sendWin -= n
		sc.sendWin -= n
		end := st.msgEnd && int64(st.pend.Len()) == n && st.trailers == nil
		st.writeData(int(n), end)
		// a client may PING after each DATA it gets (grpc-go measures
		// bandwidth so): an answer's data makes the next PINGs no flood
		sc.controlBudget = sc.opts.MaxControlFrames
		if end {
			st.endLocal()
			return
		}
	}
	if st.pend.Len() > 0 {
		if !st.paused && st.pend.Len() > pendLimit {
			st.paused = true
			st.valve.Pause()
		}
		return
	}
	if st.paused {
		st.paused = false
		st.valve.Resume()
	}
	if st.msgEnd {
		if st.trailers != nil {
			sc.writeHeaders(st.id, st.trailers, true)
		} else {
			_ = sc.fr.WriteData(st.id, true, nil)
		}
		st.endLocal()
	}
}

// writeData writes a DATA frame of the first n bytes queued, straight from
// their chunks (the Framer would want them in one slice), and drops them.
func (st *h2stream) writeData(n int, end bool) {
	out := &st.sc.out
	var h [9]byte
	h[0], h[1], h[2] = byte(n>>16), byte(n>>8), byte(n)
	h[3] = byte(http2.FrameData)
	if end {
		h[4] = byte(http2.FlagDataEndStream)
	}
	binary.BigEndian.PutUint32(h[5:], st.id)
	out.Write(h[:])
	left := n
	for _, c := range st.pend.Chunks() {
		if left == 0 {
			break
		}
		k := min(left, len(c))
		out.Write(c[:k])
		left -= k
	}
	st.pend.Skip(n)
}

// endLocal records that END_STREAM went out.
func (st *h2stream) endLocal() {
	st.localEnd = true
	sc := st.sc
	if sc.resetBudget < sc.opts.MaxResets {
		sc.resetBudget++
	}
	if st.remoteEnd {
		sc.closeStream(st)
	}
}

// connectionHeaders are the fields HTTP/2 forbids (RFC 9113 section 8.2.2).
func connectionHeader(name string) bool {
	switch name {
	case "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade":
		return true
	}
	return false
}

// responseFields appends to fields the header fields of an answer's
// HEADERS frame.
func responseFields(fields []hpack.HeaderField, rh *http1.ResponseHead) []hpack.HeaderField {
	fields = append(fields, hpack.HeaderField{Name: ":status", Value: statusString(rh.Status)})
	for _, h := range rh.Headers {
		name := strings.ToLower(h.Name)
		if connectionHeader(name) || name == "content-length" || name == "te" || !validOut(name, h.Value) {
			continue
		}
		fields = append(fields, hpack.HeaderField{Name: name, Value: h.Value})
	}
	return fields
}

// statusDigits holds the three digits of every status from 100 to 599, in
// order: statusString slices it rather than formatting one each time.
var statusDigits = func() string {
	b := make([]byte, 0, 3*500)
	for c := 100; c < 600; c++ {
		b = strconv.AppendInt(b, int64(c), 10)
	}
	return string(b)
}()

// statusString is strconv.Itoa(status), without allocating from 100 to 599.
func statusString(status int) string {
	if status >= 100 && status < 600 {
		i := 3 * (status - 100)
		return statusDigits[i : i+3]
	}
	return strconv.Itoa(status)
}

// trailerFields are the fields of a MessageEnd's tail, nil when none.
func trailerFields(tail any) []hpack.HeaderField {
	if tail == nil {
		return nil
	}
	hs, err := http1.HeadersOf(tail)
	if err != nil || len(hs) == 0 {
		return nil
	}
	fields := make([]hpack.HeaderField, 0, len(hs))
	for _, h := range hs {
		name := strings.ToLower(h.Name)
		if connectionHeader(name) || !validOut(name, h.Value) {
			continue
		}
		fields = append(fields, hpack.HeaderField{Name: name, Value: h.Value})
	}
	if len(fields) == 0 {
		return nil
	}
	return fields
}

// validOut reports whether a field of an answer may go out: a token name
// (no pseudo-header) and a value without CR, LF or NUL. Others are dropped:
// a client would refuse the whole answer.
func validOut(name, value string) bool {
	return httpguts.ValidHeaderFieldName(name) && httpguts.ValidHeaderFieldValue(value)
}
