package http1

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// MuxHTTP returns a filter that sends each HTTP request message to target
// ("host:port") over a pool of keep-alive upstream connections and outputs
// the answers, in request order: the upstream's, or a synthetic one. It
// takes what decodeHttpRequest outputs and gives what encodeHttpResponse
// takes (Pipy 1.x's muxHTTP, with the connection built in):
//
//	decodeHttpRequest → muxHTTP(target, options) → encodeHttpResponse
//
// Pools are per worker, per filter and per target. A request is only ever
// sent on a connection that carries no other (no pipelining to upstreams);
// a client connection has at most MaxInFlight requests at the upstreams at
// once, the later ones waiting in order, and their answers come out in the
// order of the requests (later ones are held until the earlier ones are
// out). A connection goes back to the pool once its final answer is
// complete, unless the request or the answer asked to close it; idle ones
// are closed after IdleTimeout, beyond MaxIdle, or when the upstream closes
// them. At most MaxConns connections per target and worker are open; more
// requests wait for one.
//
// Failures: a request whose connection fails before any of its answer came
// gets 503 when no connection could be had (refused, cannot resolve), 504
// when the upstream timed out (ConnectTimeout, AnswerTimeout), 502 when the
// upstream broke, closed, or sent garbage; except that an idempotent
// request (GET, HEAD, OPTIONS, TRACE, PUT, DELETE) sent on a reused
// connection that the upstream closed is retried on another connection (the upstream may have closed it idle just as it was sent). A
// non-idempotent request is never sent twice. An answer cut short ends the
// stream with the failure (the client sees a cut answer and a close).
//
// A client that leaves (the stream closes, or its input ends with an error)
// cancels its requests: a connection carrying one is closed, never
// returned to the pool. An input SessionEnd without an error passes on once
// every answer is out. Request bodies stream to the upstream once the
// request has a connection and are held until then.
//
// Flow control: while a connection carries a request, its reading follows
// the client's return valve (a client that reads slowly pauses the
// upstream, as in the direct chain) and the client's reading follows the
// connection's forward valve (an upstream that reads a request body slowly
// pauses the client); both stop when the answer is complete. An answer that
// waits for an earlier one is held up to 256 KiB; then its connection
// pauses until its turn.
//
// Interim answers (1xx but 101) pass on and the request waits for its final
// answer. A 101 (or a 2xx to CONNECT) takes its connection out of the pool,
// never to be reused, and joins it to the client both ways: the client's
// bytes after it go to the upstream, the upstream's come out, the client's
// end half-closes the connection, and the connection's end (the client's,
// if it was clean and came first) ends the stream; requests after the
// upgrade are dropped.
func MuxHTTP(target string, opts MuxHTTPOptions) *MuxHTTPFilter {
	return newMuxHTTP(target, nil, opts)
}

// MuxHTTPFunc is MuxHTTP with the target computed by fn for each request, on
// the stream's worker, with the request's head. A panic in fn ends the
// stream with a runtime-error SessionEnd.
func MuxHTTPFunc(fn func(s *pipeline.Stream, head any) string, opts MuxHTTPOptions) *MuxHTTPFilter {
	if fn == nil {
		panic("http1: muxHTTP: nil target function")
	}
	return newMuxHTTP("", fn, opts)
}

// MuxHTTPOptions configure MuxHTTP. The zero value works.
type MuxHTTPOptions struct {
	// MaxConns bounds the connections to one target per worker, busy and
	// idle; 0 means 64.
	MaxConns int
	// MaxIdle bounds the idle connections kept per target per worker; 0
	// means MaxConns.
	MaxIdle int
	// IdleTimeout closes a connection idle that long; 0 means 60 s.
	IdleTimeout time.Duration
	// MaxInFlight bounds the requests of one client connection at the
	// upstreams at once; 0 means 8.
	MaxInFlight int
	// Outbound configures each connection: connect and answer timeouts
	// (10 s and 60 s by default), TLS, dialer, water marks. Its Name,
	// BufferLimit and retries are the pool's own.
	Outbound pipeline.OutboundOptions
	// Transport, when not nil, carries the requests in place of the
	// HTTP/1 pool (codec/http2's HTTP/2 client is one); the filter still
	// orders the answers, bounds the requests in flight and answers the
	// failures. See MuxTransport.
	Transport MuxTransport
}

func (o MuxHTTPOptions) withDefaults() MuxHTTPOptions {
	if o.MaxConns <= 0 {
		o.MaxConns = 64
	}
	if o.MaxIdle <= 0 || o.MaxIdle > o.MaxConns {
		o.MaxIdle = o.MaxConns
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 60 * time.Second
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = 8
	}
	o.Outbound.Name = "muxHTTP"
	o.Outbound.RetryCount = 0
	if o.Outbound.AnswerTimeout == 0 {
		o.Outbound.AnswerTimeout = pipeline.DefaultAnswerTimeout
	}
	return o
}

// poolStats counts, for tests and status, the upstream connections pools
// opened and the requests they retried.
var poolStats struct{ opened, retried atomic.Int64 }

// PoolCounts returns how many upstream connections MuxHTTP pools have
// opened and how many requests they retried, since the process started.
func PoolCounts() (opened, retried int64) { return poolStats.opened.Load(), poolStats.retried.Load() }

// maxRetryHold bounds the bytes of a request body kept for a retry; a
// larger request is not retried.
const maxRetryHold = 64 << 10

// MuxHTTPFilter is the filter MuxHTTP returns.
type MuxHTTPFilter struct {
	target       string
	fn           func(*pipeline.Stream, any) string
	opts         MuxHTTPOptions
	connPipeline *pipeline.Pipeline
}

func newMuxHTTP(target string, fn func(*pipeline.Stream, any) string, opts MuxHTTPOptions) *MuxHTTPFilter {
	f := &MuxHTTPFilter{target: target, fn: fn, opts: opts.withDefaults()}
	f.connPipeline = pipeline.New("muxHTTP", EncodeRequest(nil), &poolLink{opts: f.opts.Outbound})
	return f
}

// Info describes the filter as scripts call it.
func (f *MuxHTTPFilter) Info() pipeline.Info { return muxHTTPInfo }

var muxHTTPInfo = pipeline.Info{
	Name:     "muxHTTP",
	Synopsis: "(target, options)",
	Summary:  "Sends HTTP requests over a pool of keep-alive upstream connections, answers in order",
}

// New returns the filter's instance for stream s.
func (f *MuxHTTPFilter) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	m := &muxHTTPInst{f: f, s: s, next: next}
	s.OnClose(m.cancelAll)
	return m
}

// muxHTTPInst is the per-stream instance.
type muxHTTPInst struct {
	f        *MuxHTTPFilter
	s        *pipeline.Stream
	next     pipeline.Target
	queue    []*poolReq // requests not answered whole yet, oldest first
	cur      *poolReq   // the request being received
	inflight int        // requests given to a pool
	end      *event.SessionEnd
	endOut   bool // end was passed on
	held     bool
	tunnel   *poolReq    // the request whose connection became a tunnel
	spare    *poolReq    // a request done with, for the next one (see recycle)
	last     *poolTarget // the pool of the last request dispatched (see pool)
}

// pool returns the pool of target on the stream's worker: the last one
// used while it is still the worker's pool of that target (a stream's
// requests mostly go to one target), else poolOf's.
func (m *muxHTTPInst) pool(target string) *poolTarget {
	if p := m.last; p != nil && !p.dropped && p.target == target {
		return p
	}
	m.last = poolOf(m.s, m.f, target)
	return m.last
}

// poolReq is one request and its answer.
type poolReq struct {
	m          *muxHTTPInst
	target     string
	pool       *poolTarget // set when it is given to the pool
	conn       *poolConn
	method     string
	close      bool // the request asked to close the connection
	held       []event.Event
	sent       []event.Event // a copy kept for a retry; nil when too big
	sentBytes  int
	noRetry    bool
	reused     bool
	retries    int
	dispatched bool
	complete   bool            // the request is all in
	out        []event.Event   // the answer, held while an earlier one is not out
	finished   bool            // the answer is complete (or synthetic)
	outLen     int             // body bytes in out
	paused     *pipeline.Valve // the connection's valve, closed while out holds too much
	sentBuf    [3]event.Event
	popped     bool // its answer is out and it left the queue
	gaveBack   bool // done has run: its place in flight was given back
	// With a Transport: the request's way to the upstream, the valve its
	// answer's holding closes, and the state of the answer so far.
	up         MuxUpstream
	valve      *pipeline.Valve
	upAnswered bool // the final answer's head came
	upInMsg    bool // a message of the answer is open
}

func (m *muxHTTPInst) Input(evt event.Event) {
	if m.s.Ended() || m.end != nil {
		return
	}
	if t := m.tunnel; t != nil {
		if e, ok := evt.(*event.SessionEnd); ok {
			m.end = e
		}
		if t.conn != nil {
			t.conn.st.Input(evt)
		}
		return
	}
	switch e := evt.(type) {
	case *event.MessageStart:
		m.start(e)
	case *event.Data:
		if m.cur != nil {
			m.cur.input(e)
		}
	case *event.MessageEnd:
		if r := m.cur; r != nil {
			m.cur = nil
			r.complete = true
			r.input(e)
		}
	case *event.SessionEnd:
		if e.Err != event.NoError {
			m.cancelAll()
			m.next.Input(e)
			return
		}
		if m.cur != nil { // a request cut short: it cannot be sent whole
			m.cur.noRetry = true
			m.cur = nil
		}
		m.end = e
		m.flush()
	}
}

func (m *muxHTTPInst) start(e *event.MessageStart) {
	target := m.f.target
	if m.f.fn != nil && !m.callTarget(e.Head, &target) {
		return
	}
	r := m.spare
	if r != nil {
		m.spare = nil
		*r = poolReq{m: m, target: target, method: "GET"}
	} else {
		r = &poolReq{m: m, target: target, method: "GET"}
	}
	if h, err := RequestHeadOf(e.Head); err == nil {
		r.method = h.Method
		r.close = !h.KeepAlive()
	}
	// A transport's retries (HTTP/2's refused streams) are safe for any
	// method: the upstream did not process the request.
	r.noRetry = !r.idempotent() && m.f.opts.Transport == nil
	r.sent = r.sentBuf[:0]
	m.queue = append(m.queue, r)
	m.cur = r
	if !m.held {
		m.held = true
		m.s.Hold()
	}
	m.dispatch() // first, so that the head goes straight to a connection if one is there
	r.input(e)
}

func (m *muxHTTPInst) callTarget(head any, target *string) (ok bool) {
	defer m.s.Catch("muxHTTP", &ok)
	*target = m.f.fn(m.s, head)
	return true
}

// dispatch gives the oldest undispatched requests to their pools, up to
// MaxInFlight.
func (m *muxHTTPInst) dispatch() {
	if m.s.Ended() {
		return
	}
	for _, r := range m.queue {
		if m.inflight >= m.f.opts.MaxInFlight {
			return
		}
		if !r.dispatched {
			r.dispatched = true
			m.inflight++
			if m.f.opts.Transport != nil {
				r.open()
				continue
			}
			r.pool = m.pool(r.target)
			r.pool.acquire(r)
		}
	}
}

// input passes a request event to its connection, or holds it.
func (r *poolReq) input(evt event.Event) {
	if !r.noRetry {
		if d, ok := evt.(*event.Data); ok {
			r.sentBytes += d.Len()
			if r.sentBytes > maxRetryHold {
				r.noRetry, r.sent = true, nil
			} else {
				r.sent = append(r.sent, d.Clone())
			}
		} else {
			r.sent = append(r.sent, evt)
		}
	}
	if r.conn != nil {
		r.conn.st.Input(evt)
		return
	}
	if r.up != nil {
		r.up.Input(evt)
		return
	}
	r.held = append(r.held, evt)
}

// idempotent reports whether the request may be sent twice (RFC 9110 9.2.2).
func (r *poolReq) idempotent() bool {
	switch r.method {
	case "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE":
		return !r.noRetry
	}
	return false
}

// answer takes an event of the request's answer: out at once when the
// request is the oldest, held otherwise.
func (r *poolReq) answer(evt event.Event) {
	m := r.m
	if len(m.queue) > 0 && m.queue[0] == r && !m.s.Ended() {
		m.next.Input(evt)
		return
	}
	r.out = append(r.out, evt)
	if d, ok := evt.(*event.Data); ok {
		r.outLen += d.Len()
		if r.outLen > maxAnswerHold && r.paused == nil {
			if r.conn != nil {
				r.paused = r.conn.valve
			} else {
				r.paused = r.valve
			}
			if r.paused != nil {
				r.paused.Pause()
			}
		}
	}
}

// maxAnswerHold bounds the body bytes of an answer held while an earlier
// one is not out; beyond it the connection's reading pauses until the
// answer's turn comes.
const maxAnswerHold = 256 << 10

// resume opens the connection's valve if the answer's holding closed it.
func (r *poolReq) resume() {
	if v := r.paused; v != nil {
		r.paused = nil
		v.Resume()
	}
}

// finish marks the answer complete and lets held answers come out; its
// place among the requests in flight is given back by done.
func (r *poolReq) finish() {
	r.finished = true
	r.m.flush()
}

// done gives the request's place in flight back: the next requests may go.
func (r *poolReq) done() {
	if !r.finished {
		r.finish()
	}
	m := r.m
	m.inflight--
	m.dispatch()
	r.gaveBack = true
	if r.popped {
		m.recycle(r)
	}
}

// recycle keeps r, whose answer is out and whose place in flight was given
// back, for the stream's next request: nothing refers to it any more (its
// connection, pool and queue let go of it) unless its body is still coming
// in. On the keep-alive path that is one allocation less per request.
func (m *muxHTTPInst) recycle(r *poolReq) {
	if m.cur == r || r.conn != nil || r.up != nil {
		return
	}
	*r = poolReq{}
	m.spare = r
}

// synthetic answers the request with status and a short body naming the
// cause.
func (r *poolReq) synthetic(status int, end *event.SessionEnd) {
	h := NewResponseHead(status)
	cause := end.Err.String()
	if end.Message != "" {
		cause += ": " + end.Message
	}
	if len(cause) > maxCauseLen {
		cause = cause[:maxCauseLen]
	}
	body := event.FromString(fmt.Sprintf("%d %s: upstream %s\n", status, h.StatusText, cause))
	r.answer(&event.MessageStart{Head: h})
	r.answer(body)
	r.answer(&event.MessageEnd{})
}

// cut ends the client's stream after an answer cut short.
func (r *poolReq) cut(end *event.SessionEnd) {
	if end.Err == event.NoError {
		end = event.End(event.ReadError, fmt.Errorf("%w: muxHTTP: the upstream closed in the middle of an answer", ErrUnexpectedEnd))
	}
	m := r.m
	m.cancelAll()
	if end.Cause != nil && end.Cause.Error() == end.Message {
		m.s.Fail(end.Err, fmt.Errorf("muxHTTP: %w", end.Cause)) // its cause kept (StreamReset)
		return
	}
	m.s.Fail(end.Err, fmt.Errorf("muxHTTP: %s", end.Message))
}

// endTunnel ends the stream with the end of the tunnel's upstream
// connection (or the client's, when the client ended first), once what came
// before it is out; requests after the tunnel's are dropped.
func (m *muxHTTPInst) endTunnel(end *event.SessionEnd) {
	r := m.tunnel
	m.tunnel = nil
	for i, x := range m.queue {
		if x == r {
			cancelReqs(m.queue[i+1:])
			m.queue = m.queue[:i+1]
			break
		}
	}
	m.cur = nil
	r.finished = true
	if end.Err != event.NoError || m.end == nil {
		m.end = end
	}
	m.flush()
}

// flush sends out the held answers of the oldest requests that are
// complete, and the input's end once nothing is pending.
func (m *muxHTTPInst) flush() {
	for len(m.queue) > 0 && !m.s.Ended() {
		r := m.queue[0]
		for i, e := range r.out {
			r.out[i] = nil
			m.next.Input(e)
		}
		r.out, r.outLen = nil, 0
		r.resume()
		if !r.finished {
			break
		}
		m.queue[0] = nil
		if len(m.queue) == 1 {
			m.queue = m.queue[:0] // the array is kept for the next request
		} else {
			m.queue = m.queue[1:]
		}
		r.popped = true
		if r.gaveBack {
			m.recycle(r)
		}
	}
	if len(m.queue) > 0 {
		return
	}
	// The end passes on also when nothing was held: a drained idle
	// connection's decoder sends one down a stream whose input goes on.
	if m.end != nil && !m.endOut && !m.s.Ended() {
		m.endOut = true
		m.next.Input(m.end)
	}
	if m.held {
		m.held = false
		m.s.Release()
	}
}

// cancelAll forgets every request: those waiting leave their pool's queue,
// and connections carrying one are closed.
func (m *muxHTTPInst) cancelAll() {
	cancelReqs(m.queue)
	m.queue, m.cur, m.tunnel = nil, nil, nil
}

// cancelReqs forgets the requests rs.
func cancelReqs(rs []*poolReq) {
	for _, r := range rs {
		r.resume()
		if r.conn != nil {
			c := r.conn
			r.conn, c.req = nil, nil
			c.close()
		} else if u := r.up; u != nil {
			r.up = nil
			u.Cancel()
		} else if r.dispatched && !r.finished && r.pool != nil {
			r.pool.cancel(r)
		}
	}
}

// poolLink is the last filter of a pooled connection's stream: an Outbound
// to the stream's target (its Data), dialed with the first bytes.
type poolLink struct{ opts pipeline.OutboundOptions }

func (*poolLink) Info() pipeline.Info { return pipeline.Info{Name: "muxHTTP.connection"} }

func (l *poolLink) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	inst := &poolLinkInst{s: s, o: pipeline.NewOutbound(s, next, l.opts)}
	s.Context().SetValue(poolLinkKey{}, inst) // the connection's own context
	return inst
}

// poolLinkKey finds a connection's poolLinkInst in its context.
type poolLinkKey struct{}

type poolLinkInst struct {
	s *pipeline.Stream
	o *pipeline.Outbound
}

func (l *poolLinkInst) Input(evt event.Event) {
	switch e := evt.(type) {
	case *event.Data:
		if !l.o.Connected() && !l.o.Done() && l.o.Target() == "" {
			l.o.Dial(l.s.Value().(string))
		}
		l.o.Write(e)
	case *event.SessionEnd: // only into a tunnel: the client's end
		if e.Err == event.NoError {
			l.o.End()
		} else {
			l.o.Close(e)
		}
	}
}
