package http2

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// serverConn is one HTTP/2 server connection in the event model: the bytes
// of its parent stream go in, each request becomes a stream of the target
// pipeline, and the answers go out as frames. Everything runs on the
// connection's worker; there is no goroutine per h2 stream.
type serverConn struct {
	opts   Options
	s      *pipeline.Stream // the connection's stream
	next   pipeline.Target  // where the connection's bytes go
	target *pipeline.Pipeline
	framing
	// fieldBuf is room for the fields of an answer's HEADERS, encoded at
	// once by writeHeaders
	fieldBuf []hpack.HeaderField

	prefaceDone bool // the client preface came
	settingsIn  bool // the client's first SETTINGS came
	streams     map[uint32]*h2stream
	lastID      uint32         // the highest stream id the client opened
	goawayID    uint32         // streams above it are ignored once goaway is set
	goaway      bool           // a GOAWAY went out
	goawayLast  bool           // the GOAWAY with the last stream id went out
	drainTimer  pipeline.Timer // bounds the wait for the drain PING's ack
	// drainAfterFirst: a reload came before the preface; drain once the
	// first request is in
	drainAfterFirst bool
	done            bool // the connection ended
	depth           int  // nesting of event handling: output is flushed at depth 0

	peerInitWin int64
	sendWin     int64 // the connection's send window
	recvWin     int64 // what the client may still send on the connection
	recvUnacked int64 // received and not yet returned by WINDOW_UPDATE
	resetBudget int   // rapid reset guard
	// the budget of PING and SETTINGS frames (MaxControlFrames): left of
	// it, and when it was last given back (ControlFrameRate)
	controlBudget int
	controlTime   time.Time
	controlQueued int // their ACKs written while the output is held up

	headTimer pipeline.Timer // running while a header block is incomplete

	authority    string // the last request's :authority, and boxed
	authorityBox any
}

// boxAuthority returns a request's authority as an interface value,
// allocating only when it differs from the last request's (on one
// connection, it seldom does).
func (sc *serverConn) boxAuthority(a string) any {
	if sc.authorityBox == nil || a != sc.authority {
		sc.authority, sc.authorityBox = a, a
	}
	return sc.authorityBox
}

// headerBlock is a HEADERS frame and its CONTINUATIONs as they arrive.
type headerBlock struct {
	id        uint32
	endStream bool
	size      int // compressed bytes so far
	conts     int // CONTINUATION frames so far
	listSize  uint32
	tooBig    bool
	fields    []hpack.HeaderField
	prio      http2.PriorityParam
}

// frameReader gives the framer one complete frame at a time.
type frameReader struct{ b []byte }

func (r *frameReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

const (
	idleBuffer    = 16 << 10 // input or output buffer capacity kept between batches
	maxKeptFields = 32       // header fields' room kept between header blocks
	initialWindow = 65535
	maxWindow     = math.MaxInt32
	maxStreamID   = 1<<31 - 1
)

func newServerConn(s *pipeline.Stream, next pipeline.Target, target *pipeline.Pipeline, opts Options) *serverConn {
	sc := &serverConn{
		opts: opts, s: s, next: next, target: target,
		streams:     map[uint32]*h2stream{},
		peerInitWin: initialWindow,
		sendWin:     initialWindow, recvWin: initialWindow,
		resetBudget: opts.MaxResets, controlBudget: opts.MaxControlFrames,
	}
	sc.initFraming(opts.MaxFrameSize, opts.MaxHeaderListSize)
	settings := []http2.Setting{
		{ID: http2.SettingMaxConcurrentStreams, Val: opts.MaxConcurrentStreams},
		{ID: http2.SettingMaxHeaderListSize, Val: opts.MaxHeaderListSize},
	}
	if opts.MaxFrameSize != 16384 {
		settings = append(settings, http2.Setting{ID: http2.SettingMaxFrameSize, Val: opts.MaxFrameSize})
	}
	_ = sc.fr.WriteSettings(settings...)
	// the requests' contexts, derived from the connection's, see it: an
	// upstream's reset comes as such (h2stream.passReset)
	http1.PassResets(s.Context())
	s.OnClose(sc.abort)
	return sc
}

// abort closes the request streams when the connection's stream is closed
// from outside (a server's Close, a failure elsewhere in its pipeline).
func (sc *serverConn) abort() {
	if sc.done {
		return
	}
	sc.done = true
	sc.stopHeadTimer()
	if sc.drainTimer != nil {
		sc.drainTimer.Stop()
		sc.drainTimer = nil
	}
	for _, st := range sc.streams {
		sc.closeStream(st)
	}
}

// Input takes the connection's input events.
func (sc *serverConn) Input(evt event.Event) {
	if sc.done {
		return
	}
	sc.depth++
	switch e := evt.(type) {
	case *event.Data:
		sc.in = e.AppendTo(sc.in)
		sc.parse()
	case *event.SessionEnd:
		sc.finish(e)
	}
	sc.depth--
	sc.flushOut()
}

// parse handles the whole frames received.
func (sc *serverConn) parse() {
	if !sc.prefaceDone {
		n := min(len(sc.in), len(http2.ClientPreface))
		if string(sc.in[:n]) != http2.ClientPreface[:n] {
			sc.connError(http2.ErrCodeProtocol, ErrBadPreface)
			return
		}
		if n < len(http2.ClientPreface) {
			return
		}
		sc.in = sc.in[n:]
		sc.prefaceDone = true
	}
	sc.readFrames(sc)
}

// stopped reports whether the connection ended (frameHandler).
func (sc *serverConn) stopped() bool { return sc.done }

// readError handles what the framer refused.
func (sc *serverConn) readError(err error) {
	var se http2.StreamError
	var ce http2.ConnectionError
	switch {
	case errors.As(err, &se):
		sc.streamError(se.StreamID, se.Code)
	case errors.As(err, &ce):
		sc.connError(http2.ErrCode(ce), fmt.Errorf("%w: %v", ErrProtocol, sc.fr.ErrorDetail()))
	default:
		sc.connError(http2.ErrCodeProtocol, fmt.Errorf("%w: %v", ErrProtocol, err))
	}
}

// frame handles one frame.
func (sc *serverConn) frame(f http2.Frame) {
	if !sc.settingsIn {
		sf, ok := f.(*http2.SettingsFrame)
		if !ok || sf.IsAck() {
			sc.connError(http2.ErrCodeProtocol, fmt.Errorf("%w: the first frame is not SETTINGS", ErrProtocol))
			return
		}
		sc.settingsIn = true
	}
	switch f := f.(type) {
	case *http2.HeadersFrame:
		sc.controlBudget = sc.opts.MaxControlFrames
		if f.StreamID%2 == 0 {
			sc.connError(http2.ErrCodeProtocol, fmt.Errorf("%w: HEADERS on even stream %d", ErrProtocol, f.StreamID))
			return
		}
		sc.hb = headerBlock{id: f.StreamID, endStream: f.StreamEnded(), prio: f.Priority, fields: sc.hb.fields[:0]}
		sc.hdec.SetEmitEnabled(true)
		if !f.HeadersEnded() {
			sc.startHeadTimer()
		}
		sc.fragment(f.HeaderBlockFragment(), f.HeadersEnded())
	case *http2.ContinuationFrame:
		sc.hb.conts++
		if sc.hb.conts > sc.opts.MaxContinuations {
			sc.connError(http2.ErrCodeEnhanceYourCalm, fmt.Errorf("%w: more than %d CONTINUATION frames", ErrCalm, sc.opts.MaxContinuations))
			return
		}
		sc.fragment(f.HeaderBlockFragment(), f.HeadersEnded())
	case *http2.DataFrame:
		sc.controlBudget = sc.opts.MaxControlFrames
		sc.data(f)
	case *http2.SettingsFrame:
		if sc.control() && !f.IsAck() {
			sc.settings(f)
		}
	case *http2.PingFrame:
		if sc.control() {
			if !f.IsAck() {
				_ = sc.fr.WritePing(true, f.Data)
				sc.controlAnswered()
			} else if f.Data == drainPing && sc.goaway && !sc.goawayLast {
				sc.lastGoaway()
			}
		}
	case *http2.WindowUpdateFrame:
		sc.windowUpdate(f)
	case *http2.RSTStreamFrame:
		sc.rstStream(f)
	case *http2.PriorityFrame:
		if f.StreamDep == f.StreamID {
			sc.streamError(f.StreamID, http2.ErrCodeProtocol)
		}
	case *http2.GoAwayFrame:
		// the client opens no more streams: no need to wait for any
		sc.goaway = true
		sc.lastGoaway()
	case *http2.PushPromiseFrame:
		sc.connError(http2.ErrCodeProtocol, fmt.Errorf("%w: PUSH_PROMISE from a client", ErrProtocol))
	}
}

// control spends a PING or SETTINGS frame from the budget that bounds
// their rate (MaxControlFrames, given back at ControlFrameRate on the
// worker's clock), and reports whether it was there.
func (sc *serverConn) control() bool {
	now := sc.s.Worker().Now()
	if sc.controlBudget >= sc.opts.MaxControlFrames {
		sc.controlTime = now
	} else if every := time.Second / time.Duration(sc.opts.ControlFrameRate); every > 0 {
		if n := now.Sub(sc.controlTime) / every; n > 0 {
			sc.controlBudget = int(min(int64(sc.opts.MaxControlFrames), int64(sc.controlBudget)+int64(n)))
			sc.controlTime = sc.controlTime.Add(n * every)
		}
	}
	if sc.controlBudget <= 0 {
		sc.connError(http2.ErrCodeEnhanceYourCalm, fmt.Errorf("%w: PING and SETTINGS frames faster than %d a second, past %d", ErrCalm, sc.opts.ControlFrameRate, sc.opts.MaxControlFrames))
		return false
	}
	sc.controlBudget--
	return true
}

// controlAnswered counts an ACK just written to a PING or SETTINGS while
// the connection's output is held up (its writer closed the return valve:
// the client is not reading), and ends the connection past
// MaxQueuedControlFrames; the count starts again once the output moves.
func (sc *serverConn) controlAnswered() {
	if sc.s.Context().ReturnValve().IsOpen() {
		sc.controlQueued = 0
		return
	}
	sc.controlQueued++
	if sc.controlQueued > sc.opts.MaxQueuedControlFrames {
		sc.connError(http2.ErrCodeEnhanceYourCalm, fmt.Errorf("%w: more than %d PING and SETTINGS answers queued for a client that does not read", ErrCalm, sc.opts.MaxQueuedControlFrames))
	}
}

// fragment decodes a piece of the header block being received.
func (sc *serverConn) fragment(b []byte, end bool) {
	if code, err := sc.decodeFragment(b, end); err != nil {
		sc.connError(code, err)
		return
	}
	if !end {
		return
	}
	sc.stopHeadTimer()
	sc.headers()
	// the fields were copied: the slice serves the next block, holding no
	// strings meanwhile, unless a large block made it large
	clear(sc.hb.fields)
	if cap(sc.hb.fields) > maxKeptFields {
		sc.hb.fields = nil
	}
}

// startHeadTimer bounds the time a header block split over CONTINUATION
// frames may take to complete (a slow CONTINUATION trickle holds the whole
// connection): the connection's HeadTimeout, as HTTP/1's head timeout.
func (sc *serverConn) startHeadTimer() {
	d := cmp.Or(sc.opts.HeadTimeout, sc.s.Context().ConnOptions().HeadTimeout, http1.DefaultHeadTimeout)
	if d < 0 {
		return
	}
	sc.headTimer = sc.s.AfterFunc(d, func() {
		sc.headTimer = nil
		sc.connError(http2.ErrCodeEnhanceYourCalm, fmt.Errorf("%w: header block not complete within %v", ErrCalm, d))
	})
}

// bodyTimeout is how long a request's body may go without progress while
// its answer has not begun: the connection's BodyTimeout, as HTTP/1's;
// negative for no limit.
func (sc *serverConn) bodyTimeout() time.Duration {
	return cmp.Or(sc.opts.BodyTimeout, sc.s.Context().ConnOptions().BodyTimeout, http1.DefaultBodyTimeout)
}

func (sc *serverConn) stopHeadTimer() {
	if sc.headTimer != nil {
		sc.headTimer.Stop()
		sc.headTimer = nil
	}
}

// headers handles a complete header block: a request or its trailers.
func (sc *serverConn) headers() {
	hb := &sc.hb
	id := hb.id
	if st := sc.streams[id]; st != nil {
		if st.remoteEnd {
			sc.streamError(id, http2.ErrCodeStreamClosed)
			return
		}
		if !hb.endStream || hb.tooBig {
			sc.streamError(id, http2.ErrCodeProtocol)
			return
		}
		tail, ok := trailersOf(hb.fields)
		if !ok {
			sc.streamError(id, http2.ErrCodeProtocol)
			return
		}
		st.endRemote(tail)
		return
	}
	if id < sc.lastID { // a lower id than the last one opened
		sc.connError(http2.ErrCodeProtocol, fmt.Errorf("%w: HEADERS on stream %d after %d", ErrProtocol, id, sc.lastID))
		return
	}
	if id == sc.lastID {
		sc.connError(http2.ErrCodeStreamClosed, fmt.Errorf("%w: HEADERS on closed stream %d", ErrProtocol, id))
		return
	}
	sc.lastID = id
	if hb.prio.StreamDep == id {
		sc.streamError(id, http2.ErrCodeProtocol)
		return
	}
	if sc.goaway && id > sc.goawayID {
		return
	}
	if uint32(len(sc.streams)) >= sc.opts.MaxConcurrentStreams {
		sc.streamError(id, http2.ErrCodeRefusedStream)
		return
	}
	if hb.tooBig {
		sc.answerLocal(id, 431)
		return
	}
	blk := &requestBlock{}
	head, clen, ok := requestHeadOf(hb.fields, blk, sc.boxAuthority)
	if !ok {
		sc.streamError(id, http2.ErrCodeProtocol)
		return
	}
	st := sc.open(id, clen, blk)
	st.bodiless = head.Method == "HEAD"
	st.grpc = strings.HasPrefix(head.Headers.Get("content-type"), "application/grpc")
	blk.start.Head = head
	st.st.Input(&blk.start)
	if hb.endStream && !st.closed {
		st.endRemote(nil)
	} else {
		st.bodyProgress()
	}
	if sc.drainAfterFirst {
		sc.drainAfterFirst = false
		sc.drain()
	}
}

// data handles a DATA frame.
func (sc *serverConn) data(f *http2.DataFrame) {
	n := int64(f.Length)
	sc.recvWin -= n
	if sc.recvWin < 0 {
		sc.connError(http2.ErrCodeFlowControl, fmt.Errorf("%w: connection window exceeded", ErrProtocol))
		return
	}
	sc.returnConnWindow(n)
	id := f.StreamID
	st := sc.streams[id]
	switch {
	case id > sc.lastID:
		sc.connError(http2.ErrCodeProtocol, fmt.Errorf("%w: DATA on idle stream %d", ErrProtocol, id))
		return
	case st == nil || st.remoteEnd:
		sc.streamError(id, http2.ErrCodeStreamClosed)
		return
	}
	st.recvWin -= n
	if st.recvWin < 0 {
		sc.streamError(id, http2.ErrCodeFlowControl)
		return
	}
	st.got += int64(len(f.Data()))
	if st.clen >= 0 && st.got > st.clen {
		sc.streamError(id, http2.ErrCodeProtocol)
		return
	}
	if len(f.Data()) > 0 {
		st.st.Input(event.FromCopy(f.Data()))
	}
	if st.closed {
		return
	}
	st.bodyProgress()
	if f.StreamEnded() {
		if st.clen >= 0 && st.got != st.clen {
			sc.streamError(id, http2.ErrCodeProtocol)
			return
		}
		st.endRemote(nil)
		return
	}
	st.recvUnacked += n
	st.credit()
}

// returnConnWindow gives n received bytes back to the client's connection
// window, in updates of at least half the window.
func (sc *serverConn) returnConnWindow(n int64) {
	sc.recvUnacked += n
	if sc.recvUnacked >= initialWindow/2 {
		_ = sc.fr.WriteWindowUpdate(0, uint32(sc.recvUnacked))
		sc.recvWin += sc.recvUnacked
		sc.recvUnacked = 0
	}
}

// settings applies the client's SETTINGS and acknowledges them.
func (sc *serverConn) settings(f *http2.SettingsFrame) {
	err := sc.applySettings(f, &sc.peerInitWin, func(delta int64) bool {
		for _, st := range sc.streams {
			st.sendWin += delta
			if st.sendWin > maxWindow {
				return false
			}
		}
		return true
	}, nil)
	if err != nil {
		sc.readError(err)
		return
	}
	_ = sc.fr.WriteSettingsAck()
	if sc.controlAnswered(); sc.done {
		return
	}
	sc.sendAll()
}

// windowUpdate adds to a send window.
func (sc *serverConn) windowUpdate(f *http2.WindowUpdateFrame) {
	inc := int64(f.Increment)
	if f.StreamID == 0 {
		sc.sendWin += inc
		if sc.sendWin > maxWindow {
			sc.connError(http2.ErrCodeFlowControl, fmt.Errorf("%w: connection window over 2^31-1", ErrProtocol))
			return
		}
		sc.sendAll()
		return
	}
	if f.StreamID > sc.lastID {
		sc.connError(http2.ErrCodeProtocol, fmt.Errorf("%w: WINDOW_UPDATE on idle stream %d", ErrProtocol, f.StreamID))
		return
	}
	if st := sc.streams[f.StreamID]; st != nil {
		st.sendWin += inc
		if st.sendWin > maxWindow {
			sc.streamError(f.StreamID, http2.ErrCodeFlowControl)
			return
		}
		st.send()
	}
}

// rstStream handles the client cancelling a stream.
func (sc *serverConn) rstStream(f *http2.RSTStreamFrame) {
	if f.StreamID > sc.lastID {
		sc.connError(http2.ErrCodeProtocol, fmt.Errorf("%w: RST_STREAM on idle stream %d", ErrProtocol, f.StreamID))
		return
	}
	st := sc.streams[f.StreamID]
	if st == nil {
		return
	}
	sc.closeStream(st)
	// only a stream reset before its answer began counts: a client that
	// cancels a call it is being answered on (a gRPC stream it no longer
	// wants) waited for that answer, and is not flooding
	if !st.headOut {
		sc.resetBudget--
		if sc.resetBudget < 0 {
			sc.connError(http2.ErrCodeEnhanceYourCalm, fmt.Errorf("%w: too many streams reset before their answer", ErrCalm))
		}
	}
}

// sendAll sends what the streams have queued, as the windows allow.
func (sc *serverConn) sendAll() {
	for _, st := range sc.streams {
		st.send()
	}
}

// streamError resets one stream, leaving the others alone.
func (sc *serverConn) streamError(id uint32, code http2.ErrCode) {
	_ = sc.fr.WriteRSTStream(id, code)
	if st := sc.streams[id]; st != nil {
		st.localEnd = true
		sc.closeStream(st)
	}
}

// connError ends the connection with a GOAWAY carrying code.
func (sc *serverConn) connError(code http2.ErrCode, err error) {
	if sc.done {
		return
	}
	_ = sc.fr.WriteGoAway(sc.lastID, code, []byte(err.Error()))
	sc.goaway = true
	sc.s.Logger().Debug("http2: connection error", "code", code, "err", err)
	sc.finish(&event.SessionEnd{})
}

// answerLocal answers stream id with a bodiless status of its own.
func (sc *serverConn) answerLocal(id uint32, status int) {
	sc.writeHeaders(id, []hpack.HeaderField{{Name: ":status", Value: fmt.Sprint(status)}}, true)
}

// drainPing is the payload of the PING sent with the first GOAWAY of a
// drain, and drainPingTimeout how long its ack is waited for.
var drainPing = [8]byte{'s', 'l', 'u', 'i', 'c', 'e', 'g', 'a'}

const drainPingTimeout = time.Second

// drain stops taking streams and ends the connection once the streams
// already open are answered, in two steps (RFC 9113 section 6.8): a GOAWAY
// with the largest stream id and a PING, so that requests the client sent
// before it could see the GOAWAY are still served; then, once the PING is
// acknowledged (or after drainPingTimeout), the GOAWAY with the last stream
// id taken.
func (sc *serverConn) drain() {
	if sc.done {
		return
	}
	if !sc.goaway {
		sc.goaway = true
		sc.goawayID = maxStreamID
		_ = sc.fr.WriteGoAway(maxStreamID, http2.ErrCodeNo, nil)
		_ = sc.fr.WritePing(false, drainPing)
		sc.drainTimer = sc.s.AfterFunc(drainPingTimeout, func() {
			sc.drainTimer = nil
			sc.depth++
			sc.lastGoaway()
			sc.depth--
			sc.flushOut()
		})
		return
	}
	if sc.goawayLast && len(sc.streams) == 0 {
		sc.finish(&event.SessionEnd{})
	}
}

// lastGoaway sends the GOAWAY with the last stream id taken: streams above
// it are ignored from now on.
func (sc *serverConn) lastGoaway() {
	if sc.done || sc.goawayLast {
		return
	}
	if sc.drainTimer != nil {
		sc.drainTimer.Stop()
		sc.drainTimer = nil
	}
	sc.goawayLast = true
	sc.goawayID = sc.lastID
	_ = sc.fr.WriteGoAway(sc.lastID, http2.ErrCodeNo, nil)
	sc.drain()
}

// finish ends the connection: its streams are closed and end goes out
// after what is queued.
func (sc *serverConn) finish(end *event.SessionEnd) {
	if sc.done {
		return
	}
	sc.abort()
	sc.depth++
	sc.flushOutNow()
	sc.depth--
	sc.next.Input(end)
}

// flushOut sends the frames written, unless an outer handler will.
func (sc *serverConn) flushOut() {
	if sc.depth == 0 {
		sc.flushOutNow()
	}
}

func (sc *serverConn) flushOutNow() {
	if d := sc.takeOut(); d != nil {
		sc.next.Input(d)
	}
}
