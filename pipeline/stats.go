package pipeline

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// streamCounts count a pipeline's streams. They change once per stream
// start and end (never per event), from any worker.
type streamCounts struct {
	allocated atomic.Int64           // started since the pipeline was made
	active    atomic.Int64           // started and not ended
	ended     [numKinds]atomic.Int64 // by the kind of the SessionEnd that came out
}

// Allocated returns how many streams of p have been started since p was
// made.
func (p *Pipeline) Allocated() int64 { return p.streams.allocated.Load() }

// Active returns how many streams of p are running now.
func (p *Pipeline) Active() int64 { return p.streams.active.Load() }

// outbounds counts outbound connections by remote address
// (string → *upstreamCounts). An address stays once seen, at zero when none
// is open: a process reaches a bounded set of upstreams.
var outbounds sync.Map

// CountOutbound counts one outbound connection open to addr, until the
// returned function is called (once). Outbound sockets count themselves;
// code that relays an upstream connection without a Socket calls it. Safe
// for concurrent use.
func CountOutbound(addr string) (done func()) {
	n := upstream(addr)
	n.open.Add(1)
	n.opened.Add(1)
	var once sync.Once
	return func() { once.Do(func() { n.open.Add(-1) }) }
}

// OutboundCount is the number of outbound connections open to an address.
type OutboundCount struct {
	Addr string
	Open int64
}

// Outbounds returns the outbound connections open now, by remote address,
// sorted by address; addresses with none open are left out.
func Outbounds() []OutboundCount {
	var out []OutboundCount
	outbounds.Range(func(k, v any) bool {
		if n := v.(*upstreamCounts).open.Load(); n > 0 {
			out = append(out, OutboundCount{Addr: k.(string), Open: n})
		}
		return true
	})
	sortByAddr(out, func(c OutboundCount) string { return c.Addr })
	return out
}

// sortByAddr sorts s by the address addr returns.
func sortByAddr[T any](s []T, addr func(T) string) {
	slices.SortFunc(s, func(a, b T) int { return strings.Compare(addr(a), addr(b)) })
}

// InboundCount is the number of connections open on a listen pipeline's
// address.
type InboundCount struct {
	// Addr is the address listened on.
	Addr string
	// Pipeline is the listen pipeline serving new connections there.
	Pipeline *Pipeline
	// Open is how many connections are open.
	Open int
}

// Inbounds returns the program's listeners with their open connections, in
// declaration order. It does not wait for the workers.
func (pr *Program) Inbounds() []InboundCount {
	pr.mu.Lock()
	type entry struct {
		addr string
		srv  *Server
	}
	var list []entry
	for _, a := range pr.order {
		ps := pr.servers[a]
		list = append(list, entry{ps.ln.Addr().String(), ps.srv})
	}
	pr.mu.Unlock()
	out := make([]InboundCount, len(list))
	for i, e := range list {
		out[i] = InboundCount{Addr: e.addr, Pipeline: e.srv.pipeline.Load(), Open: e.srv.openConns()}
	}
	return out
}

// openConns returns how many connections s serves now.
func (s *Server) openConns() int {
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}
