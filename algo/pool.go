package algo

import (
	"cmp"
	"slices"
)

// ResourcePool is the bookkeeping of a pool of reusable resources (the
// scripts' algo.ResourcePool): idle resources kept per pool key, first freed
// first reused, and the resources on loan with the pool they return to and
// the optional tag of their borrower. Keys (pool keys, resource keys, tags)
// must be comparable. It never allocates: Take reports an empty pool and the
// caller makes a new resource and Lends it. A ResourcePool is not safe for
// concurrent use.
type ResourcePool[V any] struct {
	idle  map[any][]V
	loans map[any]poolLoan[V]      // by resource key
	tags  map[any]map[any]struct{} // tag → resource keys on loan under it
	seq   uint64
}

// poolLoan is a resource on loan.
type poolLoan[V any] struct {
	resource V
	pool     any
	tag      any    // nil: no tag
	seq      uint64 // order of lending
}

// NewResourcePool returns an empty pool.
func NewResourcePool[V any]() *ResourcePool[V] {
	return &ResourcePool[V]{
		idle:  make(map[any][]V),
		loans: make(map[any]poolLoan[V]),
		tags:  make(map[any]map[any]struct{}),
	}
}

// Held returns the resource tag holds from pool, if it holds one (Pipy's
// rule: a tenant gets one resource per pool).
func (p *ResourcePool[V]) Held(pool, tag any) (v V, ok bool) {
	for rkey := range p.tags[tag] {
		if l := p.loans[rkey]; l.pool == pool {
			return l.resource, true
		}
	}
	return v, false
}

// Take removes the oldest idle resource of pool and returns it.
func (p *ResourcePool[V]) Take(pool any) (v V, ok bool) {
	list := p.idle[pool]
	if len(list) == 0 {
		return v, false
	}
	v = list[0]
	var zero V
	list[0] = zero
	if len(list) == 1 {
		delete(p.idle, pool)
	} else {
		p.idle[pool] = list[1:]
	}
	return v, true
}

// Lend records resource (whose key is rkey) as on loan from pool to tag (nil:
// no tag). A resource already on loan is moved to the new loan.
func (p *ResourcePool[V]) Lend(rkey any, resource V, pool, tag any) {
	p.unrecord(rkey)
	p.seq++
	p.loans[rkey] = poolLoan[V]{resource: resource, pool: pool, tag: tag, seq: p.seq}
	if tag != nil {
		set := p.tags[tag]
		if set == nil {
			set = make(map[any]struct{})
			p.tags[tag] = set
		}
		set[rkey] = struct{}{}
	}
}

func (p *ResourcePool[V]) unrecord(rkey any) (poolLoan[V], bool) {
	l, ok := p.loans[rkey]
	if !ok {
		return l, false
	}
	delete(p.loans, rkey)
	if l.tag != nil {
		if set := p.tags[l.tag]; set != nil {
			delete(set, rkey)
			if len(set) == 0 {
				delete(p.tags, l.tag)
			}
		}
	}
	return l, true
}

// Free returns the resource of key rkey to its pool; it reports false for a
// resource that is not on loan (freed twice, or never allocated here).
func (p *ResourcePool[V]) Free(rkey any) bool {
	l, ok := p.unrecord(rkey)
	if !ok {
		return false
	}
	p.idle[l.pool] = append(p.idle[l.pool], l.resource)
	return true
}

// FreeTag returns every resource on loan under tag, in the order they were
// lent, and reports how many.
func (p *ResourcePool[V]) FreeTag(tag any) int {
	set := p.tags[tag]
	keys := make([]any, 0, len(set))
	for rkey := range set {
		keys = append(keys, rkey)
	}
	slices.SortFunc(keys, func(a, b any) int {
		return cmp.Compare(p.loans[a].seq, p.loans[b].seq)
	})
	for _, rkey := range keys {
		p.Free(rkey)
	}
	return len(keys)
}
