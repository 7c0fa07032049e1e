package http1

import (
	"time"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// The upstream pool behind MuxHTTP: per worker, per filter and per target, a
// bounded set of keep-alive connections. Each connection is a stream of a
// small pipeline (encodeHttpRequest, then a pipeline.Outbound to the target)
// whose output, the upstream's bytes, this file decodes. A connection
// carries one request at a time; when its final answer is complete and
// neither side asked to close, it goes back to the idle list (or straight to
// a request waiting for one) and is closed after IdleTimeout unused.

// poolKey finds a filter's pools in a worker's Local table.
type poolKey struct{ f *MuxHTTPFilter }

// poolTarget is the pool of one target on one worker.
type poolTarget struct {
	table   map[string]*poolTarget // the worker's, which holds this one
	f       *MuxHTTPFilter
	w       *pipeline.Worker
	target  string
	idle    []*poolConn // most recently used last
	total   int         // connections open or opening
	waiters []*poolReq  // requests waiting for a connection, oldest first
	sweeper pipeline.Timer
	dropped bool // taken out of table: a request for target makes a new one
}

func poolOf(s *pipeline.Stream, f *MuxHTTPFilter, target string) *poolTarget {
	table := s.Worker().Local(poolKey{f}, func() any { return registerPools(s.Worker(), map[string]*poolTarget{}) }).(map[string]*poolTarget)
	p := table[target]
	if p == nil {
		p = &poolTarget{table: table, f: f, w: s.Worker(), target: target}
		table[target] = p
	}
	return p
}

// acquire gives r a connection: an idle one, a new one under the limit, or,
// at the limit, the next one freed.
func (p *poolTarget) acquire(r *poolReq) {
	if n := len(p.idle); n > 0 {
		c := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		c.assign(r)
		return
	}
	if p.total < p.f.opts.MaxConns {
		p.open().assign(r)
		return
	}
	p.waiters = append(p.waiters, r)
}

// acquireFresh is acquire for a retry: a new connection rather than an
// idle one, which may be as stale as the one that just failed (at the limit,
// the oldest idle one is closed to make room).
func (p *poolTarget) acquireFresh(r *poolReq) {
	if p.total >= p.f.opts.MaxConns && len(p.idle) > 0 {
		p.idle[0].close()
	}
	if p.total < p.f.opts.MaxConns {
		p.open().assign(r)
		return
	}
	p.waiters = append(p.waiters, r)
}

// cancel forgets a request that waits for a connection.
func (p *poolTarget) cancel(r *poolReq) {
	for i, x := range p.waiters {
		if x == r {
			p.waiters = append(p.waiters[:i], p.waiters[i+1:]...)
			return
		}
	}
}

func (p *poolTarget) open() *poolConn {
	p.total++
	poolStats.opened.Add(1)
	c := &poolConn{p: p}
	c.dec = NewResponseDecoder(Options{RequestMethod: c.method})
	ctx := pipeline.NewContext(p.w)
	c.valve = ctx.ReturnValve()
	c.st = pipeline.NewStream(p.f.connPipeline, ctx, c)
	c.st.SetValue(p.target)
	c.st.OnClose(c.forget)
	return c
}

// putBack takes back c after its request: clean, it serves the next waiter
// or goes idle; otherwise it is closed.
func (p *poolTarget) putBack(c *poolConn, clean bool) {
	if c.closed {
		return
	}
	c.req = nil
	if !clean {
		c.close()
		return
	}
	if len(p.waiters) > 0 {
		if p.waiters[0].retries > 0 {
			c.close() // a retry gets a new connection: gone opens it
			return
		}
		r := p.waiters[0]
		p.waiters = p.waiters[1:]
		c.assign(r)
		return
	}
	if len(p.idle) >= p.f.opts.MaxIdle {
		c.close()
		return
	}
	c.idleSince = p.w.BatchNow()
	p.idle = append(p.idle, c)
	if p.sweeper == nil {
		p.sweeper = p.w.AfterFunc(p.f.opts.IdleTimeout, p.sweep)
	}
}

// sweep closes the connections idle for IdleTimeout or more (the oldest are
// first in the list), and runs again when the oldest left would expire. One
// timer per pool, not one per connection put back.
func (p *poolTarget) sweep() {
	p.sweeper = nil
	now := p.w.Now()
	for len(p.idle) > 0 && now.Sub(p.idle[0].idleSince) >= p.f.opts.IdleTimeout {
		p.idle[0].close() // gone takes it out of the list
	}
	if len(p.idle) > 0 {
		p.sweeper = p.w.AfterFunc(p.f.opts.IdleTimeout-now.Sub(p.idle[0].idleSince), p.sweep)
	}
}

// gone accounts for a closed connection and opens one for the oldest
// waiter, if any.
func (p *poolTarget) gone(c *poolConn) {
	p.remove(c)
	if len(p.waiters) > 0 && p.total < p.f.opts.MaxConns {
		r := p.waiters[0]
		p.waiters = p.waiters[1:]
		p.open().assign(r)
	}
	p.dropEmpty()
}

// remove takes closed connection c out of the pool's accounts, and stops
// the sweeper once no connection is idle.
func (p *poolTarget) remove(c *poolConn) {
	p.total--
	for i, x := range p.idle {
		if x == c {
			p.idle = append(p.idle[:i], p.idle[i+1:]...)
			break
		}
	}
	if len(p.idle) == 0 && p.sweeper != nil {
		p.sweeper.Stop()
		p.sweeper = nil
	}
}

// dropEmpty forgets the pool once it has no connection, so that targets
// from a function do not pile up.
func (p *poolTarget) dropEmpty() {
	if p.total == 0 && p.table[p.target] == p {
		delete(p.table, p.target) // targets from a function do not pile up
		p.dropped = true
	}
}

// poolConn is one upstream connection of a pool.
type poolConn struct {
	p         *poolTarget
	st        *pipeline.Stream
	dec       *Decoder
	req       *poolReq // the request it carries, nil when idle
	uses      int      // requests assigned so far
	answered  bool     // the current request's final answer has started
	tunnel    bool     // a 101 (or a 2xx to CONNECT) made it a tunnel: out of the pool
	closed    bool
	idleSince time.Time // when it went idle
	// valve is the return valve the connection's socket reads by; while
	// it carries a request it follows the client's (follow undoes that),
	// and the client's forward valve follows the connection's (unfwd).
	valve         *pipeline.Valve
	follow, unfwd pipeline.Following
	// What putBack, run at the end of the batch of a final answer, takes
	// back.
	putBackReq   *poolReq
	putBackClean bool
}

// method is the decoder's RequestMethod: the current request's.
func (c *poolConn) method() string {
	if c.req == nil {
		return "GET"
	}
	return c.req.method
}

func (c *poolConn) assign(r *poolReq) {
	c.req, r.conn = r, c
	c.uses++
	c.answered = false
	r.reused = c.uses > 1
	c.detach()
	cctx := r.m.s.Context()
	cctx.SetUpstream(r.target)
	c.follow = c.valve.Follow(cctx.ReturnValve())
	c.unfwd = cctx.Valve().Follow(c.st.Context().Valve())
	for _, e := range r.held {
		c.st.Input(e)
	}
	r.held = nil
}

// detach stops the connection's flow control following its request's
// client, both ways.
func (c *poolConn) detach() {
	c.follow.Stop()
	c.unfwd.Stop()
	c.follow, c.unfwd = pipeline.Following{}, pipeline.Following{}
}

// Flush is putBack, which the worker calls at the end of the batch of a
// final answer (Worker.FlushLater): cheaper than a task of its own.
func (c *poolConn) Flush() { c.putBack() }

// putBack runs after a final answer's output was handled: the connection
// goes back to the pool, and the request's place in flight is given back.
func (c *poolConn) putBack() {
	r, clean := c.putBackReq, c.putBackClean
	c.putBackReq = nil
	c.p.putBack(c, clean)
	r.done()
}

// close closes the connection (its stream) and tells the pool.
func (c *poolConn) close() {
	if c.closed {
		return
	}
	c.closed = true
	c.detach()
	c.st.Close()
	if !c.tunnel {
		c.p.gone(c)
	}
}

// forget runs when the connection's stream closes. Closed by the pool
// (close), it does nothing more; closed from outside, as a stopping worker
// closes every stream, it takes the connection out of the pool without
// opening another for a waiter (the waiters' clients are closing too), so
// that the sweeper stops with the last idle connection.
func (c *poolConn) forget() {
	if c.closed {
		return
	}
	c.closed = true
	c.detach()
	if !c.tunnel {
		c.p.remove(c)
		c.p.dropEmpty()
	}
}

// Input receives the connection stream's output: the upstream's bytes, then
// its end.
func (c *poolConn) Input(evt event.Event) {
	if c.closed {
		return
	}
	switch e := evt.(type) {
	case *event.Data:
		if c.req == nil {
			c.close() // bytes nobody asked for: the connection is not clean
			return
		}
		if err := c.dec.Decode(e, c.emit); err != nil {
			c.fail(event.End(event.ProtocolError, err))
		}
	case *event.SessionEnd:
		if c.req != nil && e.Err == event.NoError {
			if err := c.dec.End(c.emit); err != nil {
				e = event.End(event.ProtocolError, err)
			}
		}
		c.fail(e)
	}
}

// Borrows reports that a pool connection takes lent Data
// (pipeline.Borrower): it only decodes it, and the decoder keeps nothing of
// its input.
func (c *poolConn) Borrows() bool { return true }

// emit passes a decoded answer to the request; a final answer's end frees
// the connection.
func (c *poolConn) emit(evt event.Event) {
	r := c.req
	if r == nil {
		return
	}
	switch e := evt.(type) {
	case *event.MessageStart:
		if h, ok := e.Head.(*ResponseHead); !ok || h.Status >= 200 || h.Status == 101 {
			c.answered = true
		}
	case *event.MessageEnd:
		if c.answered && c.dec.state == stTunnel {
			// The connection is the client's now, both ways: it leaves
			// the pool (which may open another in its place) and is
			// never reused.
			c.tunnel = true
			c.p.gone(c)
			if l, ok := c.st.Context().Value(poolLinkKey{}).(*poolLinkInst); ok {
				l.o.OweNoAnswer() // a tunnel's bytes owe no answer
			}
			r.m.tunnel = r
			r.answer(evt)
			return
		}
		if c.answered {
			clean := !c.dec.Closing() && !r.close
			c.req, r.conn = nil, nil
			c.detach()
			r.resume()
			r.answer(evt)
			r.finish()
			// The connection is taken back once this output has been
			// handled, not from inside it: at the end of the batch; then
			// the client's next request may go (on it, if it is clean).
			c.putBackReq, c.putBackClean = r, clean
			c.p.w.FlushLater(c)
			return
		}
	}
	r.answer(evt)
}

// fail handles the end of the connection: a request it carried is retried
// on another connection when that is safe (nothing of its answer came, it
// was sent on a reused connection, which the upstream may have closed idle
// as the request went, and it is idempotent; at most MaxConns times, as
// each such failure takes a stale connection out of the pool), or answered with
// a synthetic response naming the cause, or cut when its answer had
// started.
func (c *poolConn) fail(end *event.SessionEnd) {
	r := c.req
	c.req = nil
	c.close()
	if r == nil {
		return
	}
	if c.tunnel {
		r.conn = nil
		r.m.endTunnel(end)
		return
	}
	r.conn = nil
	r.resume()
	switch {
	case c.answered || c.dec.InMessage():
		r.cut(end)
	case r.reused && r.retries < c.p.f.opts.MaxConns && r.idempotent() && end.Err != event.Timeout:
		r.retries++
		r.held = append([]event.Event(nil), r.sent...)
		poolStats.retried.Add(1)
		r.pool = r.m.pool(r.target) // c's may have been let go
		r.pool.acquireFresh(r)
	default:
		r.failed(end)
	}
}

// failed answers a request none of whose answer came with the synthetic
// answer its connection's end calls for (a closed or garbled connection:
// 502), and gives its place in flight back.
func (r *poolReq) failed(end *event.SessionEnd) {
	status := failureStatus(end.Err)
	if end.Err == event.NoError || end.Err == event.ProtocolError {
		status = 502
	}
	r.synthetic(status, end)
	r.done()
}
