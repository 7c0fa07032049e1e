package http1

import "github.com/sluice-go/sluice/pipeline"

// poolsKey finds, in a worker's Local table, the list of the pool tables of
// every MuxHTTP filter that ran on it (see PoolsOn).
type poolsKey struct{}

// registerPools adds table to w's list and returns it.
func registerPools(w *pipeline.Worker, table map[string]*poolTarget) map[string]*poolTarget {
	list := w.Local(poolsKey{}, func() any { return new([]map[string]*poolTarget) }).(*[]map[string]*poolTarget)
	*list = append(*list, table)
	return table
}

// PoolStats describe the upstream connections of one MuxHTTP pool (one
// filter, one target) on one worker.
type PoolStats struct {
	// Target is the upstream address.
	Target string
	// Idle connections wait for a request; InUse carry one (or are being
	// opened for one).
	Idle, InUse int
	// Waiting is how many requests wait for a connection.
	Waiting int
}

// PoolsOn returns the pools of worker w, those of the HTTP/1 pool and
// those AddPools registered. Call it on w (Worker.Probe).
func PoolsOn(w *pipeline.Worker) []PoolStats {
	list, _ := w.Local(poolsKey{}, func() any { return new([]map[string]*poolTarget) }).(*[]map[string]*poolTarget)
	var out []PoolStats
	for _, table := range *list {
		for target, p := range table {
			out = append(out, PoolStats{Target: target, Idle: len(p.idle), InUse: p.total - len(p.idle), Waiting: len(p.waiters)})
		}
	}
	for _, fn := range *poolListers(w) {
		out = append(out, fn()...)
	}
	return out
}

// poolListersKey finds, in a worker's Local table, the functions AddPools
// registered.
type poolListersKey struct{}

func poolListers(w *pipeline.Worker) *[]func() []PoolStats {
	return w.Local(poolListersKey{}, func() any { return new([]func() []PoolStats) }).(*[]func() []PoolStats)
}

// AddPools registers fn, which lists the pools of a MuxTransport on worker
// w (codec/http2's), for PoolsOn to list with the others. Call it on w,
// once per set of pools; fn is called on w.
func AddPools(w *pipeline.Worker, fn func() []PoolStats) {
	l := poolListers(w)
	*l = append(*l, fn)
}
