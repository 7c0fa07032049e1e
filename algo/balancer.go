package algo

import (
	"hash/fnv"
	"math"
)

// Balancer is what the three load balancers (RoundRobin, LeastWork, Hashing)
// have in common. Targets are strings ("host:port"). None of them is safe for
// concurrent use.
type Balancer interface {
	// Pick returns the next target, or false when every target is skipped
	// or has no weight. Targets skip reports (the unhealthy ones) are
	// passed over; skip may be nil. key matters only to Hashing.
	Pick(key uint64, skip func(string) bool) (string, bool)
	// Release tells the balancer that a target picked earlier is done.
	Release(target string)
}

// weightedTarget is a target with a weight and running state.
type weightedTarget struct {
	name    string
	weight  float64
	current float64 // round robin: the smooth weighted round robin counter
	load    int     // least work: picks not yet released
}

// RoundRobin is a smooth weighted round robin (nginx's scheme): over any run
// of W picks, where W is the sum of the weights, a target of weight w is
// picked w times, and picks of different targets interleave (weights 5, 1, 1
// give a a b a c a a). Targets of weight 0 or less are never picked.
type RoundRobin struct {
	targets []*weightedTarget
	index   map[string]*weightedTarget
}

// NewRoundRobin returns a round robin without targets.
func NewRoundRobin() *RoundRobin {
	return &RoundRobin{index: make(map[string]*weightedTarget)}
}

// Set adds target or changes its weight; a changed weight restarts the
// rotation so that the new proportions hold from the next pick.
func (r *RoundRobin) Set(target string, weight float64) {
	if weight < 0 || math.IsNaN(weight) {
		weight = 0
	}
	if t := r.index[target]; t != nil {
		if t.weight != weight {
			t.weight = weight
			for _, t := range r.targets {
				t.current = 0
			}
		}
		return
	}
	t := &weightedTarget{name: target, weight: weight}
	r.targets = append(r.targets, t)
	r.index[target] = t
}

// Pick returns the next target in the rotation; key is not used.
func (r *RoundRobin) Pick(_ uint64, skip func(string) bool) (string, bool) {
	var best *weightedTarget
	total := 0.0
	for _, t := range r.targets {
		if t.weight <= 0 || (skip != nil && skip(t.name)) {
			continue
		}
		t.current += t.weight
		total += t.weight
		if best == nil || t.current > best.current {
			best = t
		}
	}
	if best == nil {
		return "", false
	}
	best.current -= total
	return best.name, true
}

// Release does nothing: a round robin keeps no count of work.
func (r *RoundRobin) Release(string) {}

// LeastWork picks the target with the least outstanding work relative to its
// weight (picks not yet released, divided by the weight); ties go to the
// target added first. Targets of weight 0 or less are never picked.
type LeastWork struct {
	targets []*weightedTarget
	index   map[string]*weightedTarget
}

// NewLeastWork returns a least-work balancer without targets.
func NewLeastWork() *LeastWork {
	return &LeastWork{index: make(map[string]*weightedTarget)}
}

// Set adds target or changes its weight; its outstanding work is kept.
func (l *LeastWork) Set(target string, weight float64) {
	if weight < 0 || math.IsNaN(weight) {
		weight = 0
	}
	if t := l.index[target]; t != nil {
		t.weight = weight
		return
	}
	t := &weightedTarget{name: target, weight: weight}
	l.targets = append(l.targets, t)
	l.index[target] = t
}

// Pick returns the target with the least work and counts one more unit of
// work on it; key is not used.
func (l *LeastWork) Pick(_ uint64, skip func(string) bool) (string, bool) {
	var best *weightedTarget
	bestUsage := 0.0
	for _, t := range l.targets {
		if t.weight <= 0 || (skip != nil && skip(t.name)) {
			continue
		}
		usage := float64(t.load) / t.weight
		if best == nil || usage < bestUsage {
			best, bestUsage = t, usage
		}
	}
	if best == nil {
		return "", false
	}
	best.load++
	return best.name, true
}

// Release ends one unit of work on target; unknown targets and targets with
// no outstanding work are ignored.
func (l *LeastWork) Release(target string) {
	if t := l.index[target]; t != nil && t.load > 0 {
		t.load--
	}
}

// Hashing maps a key to a target by its hash modulo the number of targets,
// so that a key goes to the same target as long as the list of targets does
// not change. When that target is skipped there is no pick (as in Pipy: the
// key is not moved to another target). The zero value has no targets.
type Hashing struct {
	targets []string
}

// Add appends target to the list of targets.
func (h *Hashing) Add(target string) { h.targets = append(h.targets, target) }

// Pick returns the target of key (see HashString for string keys).
func (h *Hashing) Pick(key uint64, skip func(string) bool) (string, bool) {
	if len(h.targets) == 0 {
		return "", false
	}
	t := h.targets[key%uint64(len(h.targets))]
	if skip != nil && skip(t) {
		return "", false
	}
	return t, true
}

// Release does nothing: hashing keeps no count of work.
func (h *Hashing) Release(string) {}

// HashString is the hash Hashing uses for string keys (and the
// string form of other primitives): 64-bit FNV-1a, the same in every worker
// and every run, so a key keeps its target across restarts.
func HashString(s string) uint64 {
	f := fnv.New64a()
	f.Write([]byte(s))
	return f.Sum64()
}
