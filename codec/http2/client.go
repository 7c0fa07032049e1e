package http2

import (
	"errors"
	"fmt"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
	"golang.org/x/net/http2"
)

// clientConn is one HTTP/2 connection to an upstream, in the event model:
// the requests of many client streams go out on it as h2 streams, and the
// frames the upstream sends back are read by the worker and become their
// answers. There is no goroutine per h2 stream. Frames written while the
// worker handles a batch go out together when the batch is done (Flush).
type clientConn struct {
	framing
	pool *clientPool
	st   *pipeline.Stream   // the connection's own stream, which holds o
	o    *pipeline.Outbound // nil in the fuzz target: out is dropped
	w    *pipeline.Worker

	streams  map[uint32]*clientStream // by id: those whose HEADERS went out
	waiting  []*clientStream          // given to this connection, waiting for a free stream
	heads    []*clientStream          // streams whose HEADERS wait for the flush
	active   int                      // streams counted against maxStreams
	nextID   uint32
	lastOpen uint32 // the highest stream id opened

	settingsIn  bool   // the upstream's first SETTINGS came
	maxStreams  uint32 // the upstream's MAX_CONCURRENT_STREAMS
	peerInitWin int64
	sendWin     int64 // the connection's send window
	recvWin     int64 // what the upstream may still send on the connection
	recvUnacked int64
	goaway      bool // no new streams: a GOAWAY came or went
	done        bool // the connection ended
	flushing    bool // registered to flush after the batch
	idleTimer   pipeline.Timer
}

// The client's flow-control windows: what an upstream may send on one
// stream before the client reads it (the memory an answer costs when its
// client reads slowly), and on the whole connection.
const (
	clientStreamWindow = 256 << 10
	clientConnWindow   = 4 << 20
	assumedMaxStreams  = 100 // before the upstream's SETTINGS say
	// maxClientContinuations bounds the CONTINUATION frames of an answer's
	// header block, as Options.MaxContinuations does a request's.
	maxClientContinuations = 64
)

// newClientConn starts a connection of pool p: the preface and SETTINGS are
// written at once, held by the Outbound until it is up.
func newClientConn(p *clientPool) *clientConn {
	c := &clientConn{
		pool: p, w: p.w,
		streams: map[uint32]*clientStream{}, nextID: 1,
		maxStreams: assumedMaxStreams, peerInitWin: initialWindow,
		sendWin: initialWindow, recvWin: clientConnWindow,
	}
	c.initFraming(16384, p.maxList)
	c.out.WriteString(http2.ClientPreface)
	_ = c.fr.WriteSettings(
		http2.Setting{ID: http2.SettingEnablePush, Val: 0},
		http2.Setting{ID: http2.SettingInitialWindowSize, Val: clientStreamWindow},
		http2.Setting{ID: http2.SettingMaxHeaderListSize, Val: p.maxList},
	)
	_ = c.fr.WriteWindowUpdate(0, clientConnWindow-initialWindow)
	if p.dial {
		ctx := pipeline.NewContext(p.w)
		c.st = pipeline.NewStream(clientConnPipeline, ctx, nil)
		c.o = pipeline.NewOutbound(c.st, c, p.opts.Outbound)
		c.st.OnClose(func() { c.broken(event.End(event.ReadError, ErrClosed)) })
		c.o.Dial(p.target)
	}
	c.later()
	return c
}

// clientConnPipeline is the pipeline of a connection's own stream: no
// filters, only its Outbound.
var clientConnPipeline = pipeline.New("muxHTTP.h2")

// capacity is how many more requests the connection takes now.
func (c *clientConn) capacity() int {
	if c.done || c.goaway {
		return 0
	}
	return int(c.maxStreams) - c.active - len(c.waiting)
}

// assign gives the connection a request.
func (c *clientConn) assign(s *clientStream) {
	s.c = c
	c.stopIdle()
	if c.settingsIn && c.active < int(c.maxStreams) {
		c.startStream(s)
		return
	}
	c.waiting = append(c.waiting, s)
}

// startStream gives s a place among the connection's streams: its HEADERS
// go out as soon as it has something to send.
func (c *clientConn) startStream(s *clientStream) {
	c.active++
	s.slot = true
	s.sendWin = c.peerInitWin
	s.recvWin = clientStreamWindow
	s.send()
}

// later makes the frames written go out once the worker's batch is done.
func (c *clientConn) later() {
	if !c.flushing && !c.done {
		c.flushing = true
		c.w.FlushLater(c)
	}
}

// Flush writes the HEADERS still waiting, then sends what was written
// (pipeline.Flusher).
func (c *clientConn) Flush() {
	c.flushing = false
	for i, s := range c.heads {
		c.heads[i] = nil
		if s.c == c && s.id == 0 && s.slot && !s.closed {
			s.writeHead(false)
		}
	}
	c.heads = c.heads[:0]
	if d := c.takeOut(); d != nil && c.o != nil && !c.done {
		c.o.Write(d)
	}
}

// Input takes the connection's output: the upstream's bytes, then its end.
func (c *clientConn) Input(evt event.Event) {
	if c.done {
		return
	}
	switch e := evt.(type) {
	case *event.Data:
		c.in = e.AppendTo(c.in)
		c.readFrames(c)
		c.later()
	case *event.SessionEnd:
		c.broken(e)
	}
}

// stopped reports whether the connection ended (frameHandler).
func (c *clientConn) stopped() bool { return c.done }

// readError handles what the framer refused (frameHandler).
func (c *clientConn) readError(err error) {
	var se http2.StreamError
	var ce http2.ConnectionError
	switch {
	case errors.As(err, &se):
		if s := c.streams[se.StreamID]; s != nil {
			s.reset(se.Code, fmt.Errorf("%w: %v", ErrProtocol, se))
		}
	case errors.As(err, &ce):
		c.connError(http2.ErrCode(ce), fmt.Errorf("%w: %v", ErrProtocol, c.fr.ErrorDetail()))
	default:
		c.connError(http2.ErrCodeProtocol, fmt.Errorf("%w: %v", ErrProtocol, err))
	}
}

// frame handles one frame from the upstream (frameHandler).
func (c *clientConn) frame(f http2.Frame) {
	if !c.settingsIn {
		if sf, ok := f.(*http2.SettingsFrame); !ok || sf.IsAck() {
			c.connError(http2.ErrCodeProtocol, fmt.Errorf("%w: the first frame is not SETTINGS", ErrProtocol))
			return
		}
	}
	switch f := f.(type) {
	case *http2.SettingsFrame:
		if !f.IsAck() {
			c.settings(f)
		}
	case *http2.HeadersFrame:
		if !c.known(f.StreamID) {
			return
		}
		c.hb = headerBlock{id: f.StreamID, endStream: f.StreamEnded()}
		c.hdec.SetEmitEnabled(true)
		c.fragment(f.HeaderBlockFragment(), f.HeadersEnded())
	case *http2.ContinuationFrame:
		c.hb.conts++
		if c.hb.conts > maxClientContinuations {
			c.connError(http2.ErrCodeEnhanceYourCalm, fmt.Errorf("%w: more than %d CONTINUATION frames", ErrCalm, maxClientContinuations))
			return
		}
		c.fragment(f.HeaderBlockFragment(), f.HeadersEnded())
	case *http2.DataFrame:
		if c.known(f.StreamID) {
			c.data(f)
		}
	case *http2.WindowUpdateFrame:
		c.windowUpdate(f)
	case *http2.PingFrame:
		if !f.IsAck() {
			_ = c.fr.WritePing(true, f.Data)
		}
	case *http2.RSTStreamFrame:
		if s := c.streams[f.StreamID]; s != nil {
			s.upstreamReset(f.ErrCode)
		}
	case *http2.GoAwayFrame:
		c.goAway(f.LastStreamID, f.ErrCode)
	case *http2.PushPromiseFrame:
		c.connError(http2.ErrCodeProtocol, fmt.Errorf("%w: PUSH_PROMISE, push is disabled", ErrProtocol))
	}
}

// known checks that a HEADERS or DATA frame is on a stream the client
// opened: one it did not is a connection error.
func (c *clientConn) known(id uint32) bool {
	if id%2 == 1 && id <= c.lastOpen {
		return true
	}
	c.connError(http2.ErrCodeProtocol, fmt.Errorf("%w: frame on stream %d, which the client did not open", ErrProtocol, id))
	return false
}

// fragment decodes a piece of the header block being received.
func (c *clientConn) fragment(b []byte, end bool) {
	if code, err := c.decodeFragment(b, end); err != nil {
		c.connError(code, err)
		return
	}
	if !end {
		return
	}
	hb := &c.hb
	if s := c.streams[hb.id]; s != nil { // else a stream the client let go of
		s.headers(hb)
	}
	c.hb = headerBlock{}
}

// data handles a DATA frame: the connection's window is given back at
// once (a slow answer holds only its own stream's window).
func (c *clientConn) data(f *http2.DataFrame) {
	n := int64(f.Length)
	c.recvWin -= n
	if c.recvWin < 0 {
		c.connError(http2.ErrCodeFlowControl, fmt.Errorf("%w: connection window exceeded", ErrProtocol))
		return
	}
	c.recvUnacked += n
	if c.recvUnacked >= clientConnWindow/2 {
		_ = c.fr.WriteWindowUpdate(0, uint32(c.recvUnacked))
		c.recvWin += c.recvUnacked
		c.recvUnacked = 0
	}
	if s := c.streams[f.StreamID]; s != nil {
		s.data(f)
	}
}

// settings applies the upstream's SETTINGS and acknowledges them; the
// first lets the requests waiting for them start.
func (c *clientConn) settings(f *http2.SettingsFrame) {
	err := c.applySettings(f, &c.peerInitWin, func(delta int64) bool {
		for _, s := range c.streams {
			s.sendWin += delta
			if s.sendWin > maxWindow {
				return false
			}
		}
		return true
	}, func(st http2.Setting) {
		if st.ID == http2.SettingMaxConcurrentStreams {
			c.maxStreams = st.Val
		}
	})
	if err != nil {
		c.readError(err)
		return
	}
	_ = c.fr.WriteSettingsAck()
	c.settingsIn = true
	c.startWaiting()
	// requests given to the connection before it said how many it takes,
	// and over that, go back to the pool: another connection may take them
	if len(c.waiting) > 0 {
		rs := c.waiting
		c.waiting = nil
		for _, s := range rs {
			s.c = nil
			c.pool.acquire(s)
		}
	}
	for _, s := range c.streams {
		s.send()
	}
}

// windowUpdate adds to a send window.
func (c *clientConn) windowUpdate(f *http2.WindowUpdateFrame) {
	inc := int64(f.Increment)
	if f.StreamID == 0 {
		c.sendWin += inc
		if c.sendWin > maxWindow {
			c.connError(http2.ErrCodeFlowControl, fmt.Errorf("%w: connection window over 2^31-1", ErrProtocol))
			return
		}
		for _, s := range c.streams {
			s.send()
		}
		return
	}
	if s := c.streams[f.StreamID]; s != nil {
		s.sendWin += inc
		if s.sendWin > maxWindow {
			s.reset(http2.ErrCodeFlowControl, fmt.Errorf("%w: stream window over 2^31-1", ErrProtocol))
			return
		}
		s.send()
	}
}

// startWaiting starts the requests waiting for a free stream, as many as
// the upstream allows; then the pool's.
func (c *clientConn) startWaiting() {
	for len(c.waiting) > 0 && c.active < int(c.maxStreams) && !c.done && !c.goaway {
		s := c.waiting[0]
		c.waiting[0] = nil
		c.waiting = c.waiting[1:]
		c.startStream(s)
	}
	if len(c.waiting) == 0 {
		c.waiting = nil
		c.pool.feed(c)
	}
}

// goAway handles the upstream's GOAWAY: the connection takes no new
// streams; those above last were not processed and go again (elsewhere),
// the others finish.
func (c *clientConn) goAway(last uint32, code http2.ErrCode) {
	c.goaway = true
	end := event.End(event.ReadError, fmt.Errorf("%w: GOAWAY (%v)", ErrGoAway, code))
	for id, s := range c.streams {
		if id > last {
			s.again(end)
		}
	}
	c.requeue()
	c.check()
}

// requeue gives the requests that have not gone out on this connection
// back to the pool.
func (c *clientConn) requeue() {
	var rs []*clientStream
	rs = append(rs, c.waiting...)
	c.waiting = nil
	for _, s := range c.heads {
		if s != nil && s.c == c && s.id == 0 && !s.closed {
			rs = append(rs, s)
		}
	}
	for _, s := range rs {
		if s.slot {
			s.slot = false
			c.active--
		}
		s.c = nil
		c.pool.acquire(s)
	}
}

// streamGone takes a finished stream's place back: a request waiting
// starts in it.
func (c *clientConn) streamGone(s *clientStream) {
	if s.slot {
		s.slot = false
		c.active--
	}
	if s.id != 0 {
		delete(c.streams, s.id)
	} else {
		c.unwait(s)
	}
	if c.done {
		return
	}
	if c.settingsIn {
		c.startWaiting()
	}
	c.check()
}

// unwait takes s out of the requests waiting for a stream.
func (c *clientConn) unwait(s *clientStream) {
	for i, x := range c.waiting {
		if x == s {
			c.waiting = append(c.waiting[:i], c.waiting[i+1:]...)
			return
		}
	}
}

// check closes a connection that has gone away once its streams are done,
// and starts the idle timer of one that carries nothing.
func (c *clientConn) check() {
	if c.done || c.active > 0 || len(c.waiting) > 0 {
		return
	}
	if c.goaway {
		c.close()
		return
	}
	if c.idleTimer == nil && c.st != nil {
		c.idleTimer = c.w.AfterFunc(c.pool.opts.IdleTimeout, func() {
			c.idleTimer = nil
			if !c.done && c.active == 0 && len(c.waiting) == 0 {
				_ = c.fr.WriteGoAway(0, http2.ErrCodeNo, nil)
				c.Flush()
				c.close()
			}
		})
	}
}

func (c *clientConn) stopIdle() {
	if c.idleTimer != nil {
		c.idleTimer.Stop()
		c.idleTimer = nil
	}
}

// connError ends the connection with a GOAWAY carrying code; its streams
// fail.
func (c *clientConn) connError(code http2.ErrCode, err error) {
	if c.done {
		return
	}
	_ = c.fr.WriteGoAway(c.lastOpen, code, []byte(err.Error()))
	c.Flush()
	if c.st != nil {
		c.st.Logger().Debug("http2: upstream connection error", "target", c.pool.target, "code", code, "err", err)
	}
	c.broken(event.End(event.ProtocolError, err))
}

// broken ends the connection: the requests it carries fail with end
// (answered 502, 503 or 504 as muxHTTP's rules say, or cut when their
// answer had begun); those that have not gone out on it yet go back to the
// pool when the connection had been up, and fail too when it never was.
func (c *clientConn) broken(end *event.SessionEnd) {
	if c.done {
		return
	}
	up := c.settingsIn
	c.goaway = true
	if up {
		c.requeue()
	}
	c.done = true
	for _, s := range c.streams {
		s.fail(end)
	}
	rs := append(c.waiting, c.heads...) // a list of their own: failing takes them out of waiting
	c.waiting, c.heads = nil, nil
	for _, s := range rs {
		if s != nil && s.c == c && !s.closed {
			s.fail(end)
		}
	}
	c.close()
}

// close closes the connection and tells the pool.
func (c *clientConn) close() {
	c.done = true
	c.stopIdle()
	if c.st != nil {
		c.st.Close()
	}
	c.pool.gone(c)
}
