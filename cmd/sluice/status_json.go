package main

import (
	"cmp"
	"slices"
	"time"

	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/pipeline"
)

// status is what /status answers: the SIGTSTP table's figures, and the
// upstream pools and workers.
type status struct {
	Pipelines []pipelineStatus   `json:"pipelines"`
	Inbound   []connectionsCount `json:"inbound"`
	Outbound  []connectionsCount `json:"outbound"`
	Pools     []poolStatus       `json:"pools"`
	Workers   []workerStatus     `json:"workers"`
}

type pipelineStatus struct {
	Module    string `json:"module"`
	Pipeline  string `json:"pipeline"`
	Stale     bool   `json:"stale,omitempty"` // of a configuration a reload replaced
	Allocated int64  `json:"allocated"`
	Active    int64  `json:"active"`
}

type connectionsCount struct {
	Addr        string `json:"addr"`
	Connections int64  `json:"connections"`
}

type poolStatus struct {
	Worker  int    `json:"worker"`
	Target  string `json:"target"`
	Idle    int    `json:"idle"`
	InUse   int    `json:"in_use"`
	Waiting int    `json:"waiting"`
}

type workerStatus struct {
	ID         int     `json:"id"`
	Queued     int     `json:"queued"`
	LagSeconds float64 `json:"lag_seconds"`
	Responsive bool    `json:"responsive"`
}

// statusOf gathers pr's status; it asks each worker for its pools.
func statusOf(pr *pipeline.Program) status {
	st := status{Pipelines: []pipelineStatus{}, Inbound: []connectionsCount{}, Outbound: []connectionsCount{}, Pools: []poolStatus{}}
	add := func(m *pipeline.Module, stale bool) {
		for _, mod := range modulesOf(m) {
			for _, p := range mod.Pipelines {
				if stale && p.Active() == 0 {
					continue
				}
				st.Pipelines = append(st.Pipelines, pipelineStatus{mod.Name, p.Name, stale, p.Allocated(), p.Active()})
			}
		}
	}
	add(pr.Module, false)
	for _, old := range pr.Stale() {
		add(old, true)
	}
	slices.SortStableFunc(st.Pipelines, func(a, b pipelineStatus) int {
		stale := func(p pipelineStatus) int { // current ones first
			if p.Stale {
				return 1
			}
			return 0
		}
		return cmp.Or(cmp.Compare(stale(a), stale(b)), cmp.Compare(a.Module, b.Module), cmp.Compare(a.Pipeline, b.Pipeline))
	})
	for _, c := range pr.Inbounds() {
		st.Inbound = append(st.Inbound, connectionsCount{c.Addr, int64(c.Open)})
	}
	for _, c := range pipeline.Outbounds() {
		st.Outbound = append(st.Outbound, connectionsCount{c.Addr, c.Open})
	}
	for _, w := range pr.Group.Workers() {
		var pools []http1.PoolStats
		lag, ok := w.Probe(time.Second, func() { pools = http1.PoolsOn(w) })
		st.Workers = append(st.Workers, workerStatus{w.ID(), w.Queued(), lag.Seconds(), ok})
		if !ok {
			continue
		}
		for _, p := range pools {
			st.Pools = append(st.Pools, poolStatus{w.ID(), p.Target, p.Idle, p.InUse, p.Waiting})
		}
	}
	return st
}
