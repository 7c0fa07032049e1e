package pipeline

import (
	"sync/atomic"
	"time"

	"github.com/sluice-go/sluice/event"
)

// The counters read by metrics collectors and the status page. They change
// once per connection or stream (never per event) and are read at scrape
// time; what is only known on a worker (pools, queues) is asked of the
// worker then.

// numKinds is how many event.ErrorKind values there are.
const numKinds = int(event.Timeout) + 1

// serverCounts count a server's connections and their bytes (added by the
// sockets as they read and write: once per read or write, not per event).
type serverCounts struct {
	accepted, limited atomic.Int64
	bytesIn, bytesOut atomic.Int64
}

// Ended returns how many streams of p ended with a SessionEnd of kind
// coming out of their last filter (streams closed by their owner without one
// are not counted).
func (p *Pipeline) Ended(kind event.ErrorKind) int64 {
	if int(kind) >= numKinds {
		return 0
	}
	return p.streams.ended[kind].Load()
}

// ListenerStats describe one address a program listens on.
type ListenerStats struct {
	// Addr is the address listened on.
	Addr string
	// Pipeline is the listen pipeline serving new connections there.
	Pipeline *Pipeline
	// Open is how many connections are open now.
	Open int
	// Accepted is how many connections were accepted since the start.
	Accepted int64
	// Limited is how many times accepting paused because the pipeline's
	// maxConnections were open (the next connection waits in the backlog
	// until one closes; none is refused).
	Limited int64
	// BytesIn and BytesOut are the bytes read from and written to the
	// listener's connections.
	BytesIn, BytesOut int64
}

// Listeners returns the program's listeners with their counters, in
// declaration order. It does not wait for the workers.
func (pr *Program) Listeners() []ListenerStats {
	in := pr.Inbounds()
	out := make([]ListenerStats, len(in))
	pr.mu.Lock()
	srvs := make([]*Server, 0, len(pr.order))
	for _, a := range pr.order {
		srvs = append(srvs, pr.servers[a].srv)
	}
	pr.mu.Unlock()
	for i, c := range in {
		out[i] = ListenerStats{Addr: c.Addr, Pipeline: c.Pipeline, Open: c.Open}
		if i < len(srvs) {
			n := &srvs[i].counts
			out[i].Accepted, out[i].Limited = n.accepted.Load(), n.limited.Load()
			out[i].BytesIn, out[i].BytesOut = n.bytesIn.Load(), n.bytesOut.Load()
		}
	}
	return out
}

// Queued returns how many tasks wait for the worker now.
func (w *Worker) Queued() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.queue)
}

// Probe runs fn on the worker and returns how long the worker took to come
// to it (its event-loop lag), or ok false when it did not within timeout (a
// stuck worker) or the worker has stopped (at once). It must not be called on a worker of the same
// group.
func (w *Worker) Probe(timeout time.Duration, fn func()) (lag time.Duration, ok bool) {
	start := time.Now()
	done := make(chan time.Duration, 1)
	stopped := make(chan struct{})
	w.PostOr(func() {
		lag := time.Since(start)
		if fn != nil {
			fn()
		}
		done <- lag
	}, func() { close(stopped) })
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case lag = <-done:
		return lag, true
	case <-stopped:
		return 0, false
	case <-t.C:
		return 0, false
	}
}

// upstreamCounts count the outbound connections to one address.
type upstreamCounts struct {
	open, opened, retries atomic.Int64
	failed                [numKinds]atomic.Int64
}

// UpstreamStats describe the outbound connections to one address.
type UpstreamStats struct {
	// Addr is the remote address (a connect target).
	Addr string
	// Open is how many are open now; Opened how many were opened since the
	// process started.
	Open, Opened int64
	// Failed counts the connections that could not be had, by error kind
	// (a connection refused, a name not resolved, a timeout).
	Failed map[event.ErrorKind]int64
	// Retries is how many connection attempts were retries.
	Retries int64
}

// upstream returns the counters of addr.
func upstream(addr string) *upstreamCounts {
	v, ok := outbounds.Load(addr)
	if !ok {
		v, _ = outbounds.LoadOrStore(addr, new(upstreamCounts))
	}
	return v.(*upstreamCounts)
}

// Upstreams returns the counters of every outbound address seen since the
// process started, sorted by address.
func Upstreams() []UpstreamStats {
	var out []UpstreamStats
	outbounds.Range(func(k, v any) bool {
		n := v.(*upstreamCounts)
		st := UpstreamStats{Addr: k.(string), Open: n.open.Load(), Opened: n.opened.Load(), Retries: n.retries.Load()}
		for i := range n.failed {
			if c := n.failed[i].Load(); c > 0 {
				if st.Failed == nil {
					st.Failed = map[event.ErrorKind]int64{}
				}
				st.Failed[event.ErrorKind(i)] = c
			}
		}
		out = append(out, st)
		return true
	})
	sortByAddr(out, func(s UpstreamStats) string { return s.Addr })
	return out
}

// countIn counts n bytes read, for an inbound socket of a server.
func (k *Socket) countIn(n int64) {
	if k.counts != nil {
		k.counts.bytesIn.Add(n)
	}
}

// countOut counts n bytes written, for an inbound socket of a server.
func (k *Socket) countOut(n int64) {
	if k.counts != nil && n > 0 {
		k.counts.bytesOut.Add(n)
	}
}
