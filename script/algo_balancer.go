package script

import (
	"hash/fnv"
	"math"
)

// The load balancers behind algo.RoundRobinLoadBalancer,
// algo.HashingLoadBalancer and algo.LeastWorkLoadBalancer. Targets are
// strings ("host:port"). Each balancer takes a skip function at selection
// time: targets it reports (the unhealthy ones) are passed over. None of them
// is safe for concurrent use; each runtime has its own.

// balancer is what the three balancers have in common.
type balancer interface {
	// pick returns the next target, or false when every target is skipped
	// or has no weight. key matters only to the hashing balancer.
	pick(key uint64, skip func(string) bool) (string, bool)
	// release tells the balancer that a target picked earlier is done.
	release(target string)
}

// weightedTarget is a target with a weight and running state.
type weightedTarget struct {
	name    string
	weight  float64
	current float64 // round robin: the smooth weighted round robin counter
	load    int     // least work: picks not yet released
}

// roundRobin is a smooth weighted round robin (nginx's scheme): over any run
// of W picks, where W is the sum of the weights, a target of weight w is
// picked w times, and picks of different targets interleave (weights 5, 1, 1
// give a a b a c a a). Targets of weight 0 or less are never picked.
type roundRobin struct {
	targets []*weightedTarget
	index   map[string]*weightedTarget
}

func newRoundRobin() *roundRobin {
	return &roundRobin{index: make(map[string]*weightedTarget)}
}

// set adds target or changes its weight; a changed weight restarts the
// rotation so that the new proportions hold from the next pick.
func (r *roundRobin) set(target string, weight float64) {
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

func (r *roundRobin) pick(_ uint64, skip func(string) bool) (string, bool) {
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

func (r *roundRobin) release(string) {}

// leastWork picks the target with the least outstanding work relative to its
// weight (picks not yet released, divided by the weight); ties go to the
// target added first. Targets of weight 0 or less are never picked.
type leastWork struct {
	targets []*weightedTarget
	index   map[string]*weightedTarget
}

func newLeastWork() *leastWork {
	return &leastWork{index: make(map[string]*weightedTarget)}
}

// set adds target or changes its weight; its outstanding work is kept.
func (l *leastWork) set(target string, weight float64) {
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

func (l *leastWork) pick(_ uint64, skip func(string) bool) (string, bool) {
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

// release ends one unit of work on target; unknown targets and targets with
// no outstanding work are ignored.
func (l *leastWork) release(target string) {
	if t := l.index[target]; t != nil && t.load > 0 {
		t.load--
	}
}

// hashing maps a key to a target by its hash modulo the number of targets,
// so that a key goes to the same target as long as the list of targets does
// not change. When that target is skipped there is no pick (as in Pipy: the
// key is not moved to another target).
type hashing struct {
	targets []string
}

func (h *hashing) add(target string) { h.targets = append(h.targets, target) }

func (h *hashing) pick(key uint64, skip func(string) bool) (string, bool) {
	if len(h.targets) == 0 {
		return "", false
	}
	t := h.targets[key%uint64(len(h.targets))]
	if skip != nil && skip(t) {
		return "", false
	}
	return t, true
}

func (h *hashing) release(string) {}

// fnvHash is the hash the hashing balancer uses for string keys (and the
// string form of other primitives): 64-bit FNV-1a, the same in every worker
// and every run, so a key keeps its target across restarts.
func fnvHash(s string) uint64 {
	f := fnv.New64a()
	f.Write([]byte(s))
	return f.Sum64()
}
