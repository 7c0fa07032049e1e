package http2

import (
	"time"

	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/pipeline"
)

// MuxHTTP returns muxHTTP with version 2 (Pipy 1.x's
// muxHTTP(target, {version: 2})): http1.MuxHTTP whose requests go to the
// upstream over HTTP/2, many at once on one connection, h2 by ALPN when
// opts.Outbound.TLS is set (its NextProtos become ["h2"]; an upstream that
// does not agree on h2 fails the connection, its requests answered 502 and
// the target and the protocol it chose logged) and h2c by prior knowledge
// otherwise. Requests may come from HTTP/1.x clients
// (decodeHttpRequest) or HTTP/2 ones (demuxHTTP): Host becomes :authority,
// connection-specific fields are dropped and TE goes only as "trailers";
// answers come back as *http1.ResponseHead with protocol "HTTP/2",
// trailers on the MessageEnd.
//
// Per target and worker, a connection carries up to the upstream's
// SETTINGS_MAX_CONCURRENT_STREAMS requests; a second opens when it is full
// (up to MaxConns, then requests wait for a free stream), and one idle for
// IdleTimeout closes with GOAWAY. Flow control goes both ways: a request
// body goes out within the upstream's windows, the client's reading
// pausing when more than 64 KiB of it waits; an answer's window (256 KiB)
// is given back only while its client reads on, so a slow client slows its
// stream and no other. The filter's other rules are MuxHTTP's: answers in
// request order for each client stream, MaxInFlight, failures answered
// 502/503/504 or cut. On h2 also: the upstream's RST_STREAM fails that
// request only (REFUSED_STREAM sends it again), GOAWAY sends again the
// requests above its last stream and lets the others finish, and a client
// that leaves resets its stream with CANCEL. The answer timeout
// (opts.Outbound.AnswerTimeout) is each stream's: nothing of its answer for
// that long gets the request 504 (or cuts its answer). MaxIdle does not
// apply (one connection serves many requests). http1.PoolsOn lists the
// pools: a connection carrying a request is in use, others idle.
func MuxHTTP(target string, opts http1.MuxHTTPOptions) *http1.MuxHTTPFilter {
	return http1.MuxHTTP(target, ClientOptions(opts))
}

// MuxHTTPFunc is MuxHTTP with the target computed by fn for each request,
// as http1.MuxHTTPFunc.
func MuxHTTPFunc(fn func(s *pipeline.Stream, head any) string, opts http1.MuxHTTPOptions) *http1.MuxHTTPFilter {
	return http1.MuxHTTPFunc(fn, ClientOptions(opts))
}

// ClientOptions returns opts with an HTTP/2 client as their Transport, and
// ALPN "h2" on TLS: what MuxHTTP gives http1.MuxHTTP. Each call makes a
// client of its own, whose pools are per worker and per target.
func ClientOptions(opts http1.MuxHTTPOptions) http1.MuxHTTPOptions {
	if opts.Outbound.TLS != nil {
		cfg := opts.Outbound.TLS.Clone()
		cfg.NextProtos = []string{"h2"}
		opts.Outbound.TLS = cfg
		opts.Outbound.ALPN = "h2" // not HTTP/2 to a server that did not agree
	}
	opts.Transport = &client{}
	return opts
}

// client is the HTTP/2 http1.MuxTransport; its pools are found by it in
// each worker's Local table.
type client struct{}

// clientKey finds a client's pools in a worker's Local table.
type clientKey struct{ t *client }

// Open gives the request a stream of a pooled connection to its target
// (http1.MuxTransport).
func (t *client) Open(call http1.MuxCall) http1.MuxUpstream {
	st := call.Stream()
	w := st.Worker()
	table := w.Local(clientKey{t}, func() any {
		table := map[string]*clientPool{}
		http1.AddPools(w, func() []http1.PoolStats { return poolStats(table) })
		return table
	}).(map[string]*clientPool)
	p := table[call.Target()]
	if p == nil {
		opts := call.Options()
		p = &clientPool{table: table, w: w, target: call.Target(), maxList: 64 << 10, scheme: "http"}
		// The answer timeout is each stream's: on the connection, the
		// upstream's control frames would count as answers.
		p.opts, p.dial = *opts, true
		p.answerTimeout = opts.Outbound.AnswerTimeout
		p.opts.Outbound.AnswerTimeout = 0
		if opts.Outbound.TLS != nil {
			p.scheme = "https"
		}
		table[p.target] = p
	}
	s := &clientStream{pool: p, call: call, fwd: st.Context().Valve()}
	s.valve = pipeline.NewValve()
	s.follow = s.valve.Follow(st.Context().ReturnValve())
	call.SetValve(s.valve)
	p.acquire(s)
	return s
}

// poolStats describes the pools of a client's table, for http1.PoolsOn.
func poolStats(table map[string]*clientPool) []http1.PoolStats {
	out := make([]http1.PoolStats, 0, len(table))
	for target, p := range table {
		ps := http1.PoolStats{Target: target, Waiting: len(p.waiters)}
		for _, c := range p.conns {
			if c.active > 0 || len(c.waiting) > 0 {
				ps.InUse++
			} else {
				ps.Idle++
			}
			ps.Waiting += len(c.waiting)
		}
		out = append(out, ps)
	}
	return out
}

// clientPool is the HTTP/2 connections of one client to one target on one
// worker.
type clientPool struct {
	table   map[string]*clientPool // the worker's, which holds this one
	w       *pipeline.Worker
	target  string
	opts    http1.MuxHTTPOptions
	dial    bool // false in the fuzz target: no connection is dialed
	maxList uint32
	// answerTimeout fails a stream whose answer stops coming for that
	// long (http1.MuxHTTPOptions.Outbound.AnswerTimeout).
	answerTimeout time.Duration
	scheme        string
	conns         []*clientConn
	waiters       []*clientStream // requests waiting for a connection, oldest first
}

// acquire gives s a connection with a free stream, a new one under
// MaxConns, or else a place in the queue.
func (p *clientPool) acquire(s *clientStream) {
	if p.table[p.target] == nil {
		p.table[p.target] = p // it had let go of the table, empty, as a request came back to it
	}
	for _, c := range p.conns {
		if c.capacity() > 0 {
			c.assign(s)
			return
		}
	}
	if p.dial && len(p.conns) < p.opts.MaxConns {
		c := newClientConn(p)
		p.conns = append(p.conns, c)
		c.assign(s)
		return
	}
	p.waiters = append(p.waiters, s)
}

// feed gives c, which has room, the requests waiting in the pool.
func (p *clientPool) feed(c *clientConn) {
	for len(p.waiters) > 0 && c.capacity() > 0 {
		s := p.waiters[0]
		p.waiters[0] = nil
		p.waiters = p.waiters[1:]
		c.assign(s)
	}
}

// unwait takes s out of the queue.
func (p *clientPool) unwait(s *clientStream) {
	for i, x := range p.waiters {
		if x == s {
			p.waiters = append(p.waiters[:i], p.waiters[i+1:]...)
			return
		}
	}
}

// gone forgets a closed connection; the requests waiting get a new one.
func (p *clientPool) gone(c *clientConn) {
	for i, x := range p.conns {
		if x == c {
			p.conns = append(p.conns[:i], p.conns[i+1:]...)
			break
		}
	}
	if len(p.waiters) > 0 && p.dial {
		s := p.waiters[0]
		p.waiters = p.waiters[1:]
		p.acquire(s)
		if c := s.c; c != nil {
			p.feed(c)
		}
	}
	if len(p.conns) == 0 && len(p.waiters) == 0 && p.table[p.target] == p {
		delete(p.table, p.target) // targets from a function do not pile up
	}
}
