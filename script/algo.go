package script

import (
	"fmt"
	"hash/maphash"
	"math"
	"strings"
	"time"

	"github.com/dop251/goja"
	"github.com/sluice-go/sluice/algo"
)

// The global `algo` of Pipy 0.x: routing, caching, load balancing and
// resource pooling for scripts. The logic is plain Go in package algo; this
// file binds it.
//
//	new algo.URLRouter({ pattern: value, ... })
//	  .add(pattern, value)
//	  .find(host?, path, ...)          → value, or undefined
//	new algo.Cache(onAllocate?, onFree?, { size?, ttl? })
//	  .get(key) .set(key, value) .has(key) .remove(key) .clear()
//	new algo.RoundRobinLoadBalancer(targets, unhealthy?)   targets: [t, ...] or { t: weight }
//	new algo.LeastWorkLoadBalancer(targets, unhealthy?)
//	new algo.HashingLoadBalancer([t, ...], unhealthy?)
//	  .select(tag?)                    → target, or undefined
//	  .next(tag?, key?)                → { id: target }, or undefined
//	  .deselect(target)                the work given to target is done
//	  .set(target, weight)             (round robin, least work)  .add(target) (hashing)
//	new algo.ResourcePool(allocator)   allocator(pool, tenant) → a new resource
//	  .allocate(pool?, tenant?) .free(resource) .freeTenant(tenant) (.freeTag: the same)
//
// unhealthy is an algo.Cache whose truthy entries name the targets to pass
// over. The hashing balancer hashes the tag (primitives by value, objects by
// identity). The round-robin and least-work balancers stick a tag to a
// target as Pipy 0.x does: select(tag) with a tag other than undefined gives
// the tag's earlier target again, without counting a new pick, as long as
// the balancer remembers the tag (Pipy never forgets one; here a balancer
// remembers its stickyTags most recently used tags, and a tag whose target
// has turned unhealthy is picked anew). Pipy 0.x has no way to release a tag:
// deselect(target) only ends one unit of the target's work (least work).
// select and deselect are Pipy 0.x's API; next has the shape of later Pipy
// versions (an object with the target as id) so that their scripts run; its
// first argument sticks like select's tag, its second is what the hashing
// balancer hashes. Everything here belongs to one runtime (one worker); with
// several workers each has its own balancers and caches, as each Pipy thread
// has.
func (m *modEnv) installAlgo() {
	g := m.global("algo")
	m.must(g.Set("URLRouter", m.urlRouterClass()))
	cache, _ := m.cacheClass()
	m.must(g.Set("Cache", cache))
	m.must(g.Set("RoundRobinLoadBalancer", m.balancerClass("algo.RoundRobinLoadBalancer", func() algo.Balancer { return algo.NewRoundRobin() })))
	m.must(g.Set("LeastWorkLoadBalancer", m.balancerClass("algo.LeastWorkLoadBalancer", func() algo.Balancer { return algo.NewLeastWork() })))
	m.must(g.Set("HashingLoadBalancer", m.balancerClass("algo.HashingLoadBalancer", func() algo.Balancer { return &algo.Hashing{} })))
	m.must(g.Set("ResourcePool", m.resourcePoolClass()))
}

// routeError is what scripts see when URLRouter.Add refuses pattern: the
// message without the Go package's prefix, as Pipy words it.
func routeError(err error, pattern string) error {
	return fmt.Errorf("%s: %q", strings.TrimPrefix(err.Error(), "algo: "), pattern)
}

// urlRouterClass makes algo.URLRouter (see algo.URLRouter for the matching rules).
func (m *modEnv) urlRouterClass() *goja.Object {
	const name = "algo.URLRouter"
	ctor, proto := m.class(name, func(args []goja.Value) any {
		r := &algo.URLRouter[goja.Value]{}
		if rules := m.argObject(args, 0, name, "rules", true); rules != nil {
			for _, k := range rules.Keys() {
				if err := r.Add(k, rules.Get(k)); err != nil {
					m.throwError(name, routeError(err, k))
				}
			}
		}
		return r
	})
	m.method(proto, "add", func(call goja.FunctionCall) goja.Value {
		const fn = name + ".add"
		r := nativeOf[*algo.URLRouter[goja.Value]](m, call.This, fn, "an algo.URLRouter")
		pattern := m.argString(call.Arguments, 0, fn, "pattern")
		if err := r.Add(pattern, argAt(call.Arguments, 1)); err != nil {
			m.throwError(fn, routeError(err, pattern))
		}
		return goja.Undefined()
	})
	m.method(proto, "find", func(call goja.FunctionCall) goja.Value {
		r := nativeOf[*algo.URLRouter[goja.Value]](m, call.This, name+".find", "an algo.URLRouter")
		parts := make([]string, 0, len(call.Arguments))
		for _, a := range call.Arguments {
			if !jsNullish(a) {
				parts = append(parts, a.String())
			}
		}
		if v, ok := r.Find(algo.JoinURL(parts...)); ok {
			return v
		}
		return goja.Undefined()
	})
	return ctor
}

// jsCache is an algo.Cache: the storage and the script's callbacks.
type jsCache struct {
	store    *algo.Cache[cacheValue]
	allocate goja.Callable // nil: get misses return undefined
	free     goja.Callable // nil: nothing to call when an entry leaves
}

// cacheValue is an algo.Cache entry: the JS key (for onFree) and value.
type cacheValue struct{ key, value goja.Value }

// sameCacheValue reports whether two entries hold the same JS value.
func sameCacheValue(a, b cacheValue) bool { return a.value.SameAs(b.value) }

// dropped calls onFree(key, value) for each entry that left the cache.
func (m *modEnv) dropped(c *jsCache, entries []algo.CacheEntry[cacheValue]) {
	if c.free == nil {
		return
	}
	for _, e := range entries {
		m.call(c.free, e.Value.key, e.Value.value)
	}
}

// cacheClass makes algo.Cache. Pipy's behaviour, and where this one differs:
// get(key) returns a live entry (and marks it most recently used); on a miss
// it calls onAllocate(key), stores and returns the result, or returns
// undefined when there is no onAllocate. set evicts the least recently used
// entries beyond options.size, calling onFree(key, value) for each. ttl
// (seconds, or a string such as "10s") makes entries expire after they were
// last set. Unlike Pipy, an entry that leaves the cache for any reason
// (eviction, expiry, replacement by set with a different value, remove,
// clear) is always handed to onFree, so resources held by values are never
// leaked; has(key) is an addition.
func (m *modEnv) cacheClass() (ctor, proto *goja.Object) {
	const name = "algo.Cache"
	ctor, proto = m.class(name, func(args []goja.Value) any {
		c := &jsCache{}
		optArg := 2
		if o, ok := argAt(args, 0).(*goja.Object); ok && len(args) == 1 {
			if _, isFn := goja.AssertFunction(o); !isFn {
				optArg = 0 // new algo.Cache({ size }) without callbacks
			}
		}
		size, ttl := 0, 0.0
		if optArg == 2 {
			c.allocate = m.argFunc(args, 0, name, "onAllocate", true)
			c.free = m.argFunc(args, 1, name, "onFree", true)
		}
		if opts := m.argObject(args, optArg, name, "options", true); opts != nil {
			if v := opts.Get("size"); !jsNullish(v) {
				f := v.ToFloat()
				if !goja.IsNumber(v) || f < 0 || math.IsNaN(f) {
					m.typeError("%s: options.size must be a non-negative number", name)
				}
				size = int(min(f, math.MaxInt32))
			}
			if v := opts.Get("ttl"); !jsNullish(v) {
				d, err := parseDuration(v.Export())
				if err != nil {
					m.typeError("%s: options.ttl: %v", name, err)
				}
				ttl = d.Seconds()
			}
		}
		c.store = algo.NewCache[cacheValue](size, secondsDuration(ttl), m.now)
		return c
	})
	this := func(v goja.Value, fn string) *jsCache { return nativeOf[*jsCache](m, v, fn, "an algo.Cache") }
	m.method(proto, "get", func(call goja.FunctionCall) goja.Value {
		c := this(call.This, name+".get")
		key := argAt(call.Arguments, 0)
		k := sameValueKey(key)
		v, ok, expired := c.store.Get(k)
		m.dropped(c, expired)
		if ok {
			return v.value
		}
		if c.allocate == nil {
			return goja.Undefined()
		}
		value := m.call(c.allocate, key)
		m.dropped(c, c.store.Set(k, cacheValue{key, value}, sameCacheValue))
		return value
	})
	m.method(proto, "set", func(call goja.FunctionCall) goja.Value {
		c := this(call.This, name+".set")
		key, value := argAt(call.Arguments, 0), argAt(call.Arguments, 1)
		m.dropped(c, c.store.Set(sameValueKey(key), cacheValue{key, value}, sameCacheValue))
		return goja.Undefined()
	})
	m.method(proto, "has", func(call goja.FunctionCall) goja.Value {
		c := this(call.This, name+".has")
		return m.rt.ToValue(c.store.Has(sameValueKey(argAt(call.Arguments, 0))))
	})
	m.method(proto, "remove", func(call goja.FunctionCall) goja.Value {
		c := this(call.This, name+".remove")
		e, live, found := c.store.Remove(sameValueKey(argAt(call.Arguments, 0)))
		if found {
			m.dropped(c, []algo.CacheEntry[cacheValue]{e})
		}
		return m.rt.ToValue(live)
	})
	m.method(proto, "clear", func(call goja.FunctionCall) goja.Value {
		c := this(call.This, name+".clear")
		m.dropped(c, c.store.Clear())
		return goja.Undefined()
	})
	return ctor, proto
}

// jsBalancer is a load balancer with its optional health cache and the
// targets its tags stick to.
type jsBalancer struct {
	class     string // the JS class name, which this must match in methods
	b         algo.Balancer
	unhealthy *jsCache
	sticky    *algo.Cache[string] // tag (sameValueKey) → target; nil for hashing
}

// stickyTags is how many tags a balancer remembers (see installAlgo): Pipy
// 0.x remembers every tag forever, which grows without bound when tags are
// per connection.
const stickyTags = 1 << 16

// selectTag returns tag's target: the one it stuck to, unless that one is
// now unhealthy, or else a new pick (by hash, the hashing balancer), which
// the tag sticks to. An undefined tag never sticks.
func (j *jsBalancer) selectTag(tag, hashKey goja.Value) (string, bool) {
	skip := j.skip
	if j.unhealthy == nil {
		skip = nil
	}
	if j.sticky == nil || goja.IsUndefined(tag) || tag == nil {
		return j.b.Pick(balancerKey(hashKey), skip)
	}
	k := sameValueKey(tag)
	if t, ok, _ := j.sticky.Get(k); ok && (skip == nil || !skip(t)) {
		return t, true
	}
	t, ok := j.b.Pick(balancerKey(hashKey), skip)
	if ok {
		j.sticky.Set(k, t, nil)
	}
	return t, ok
}

// skip reports a target whose entry in the unhealthy cache is truthy.
func (j *jsBalancer) skip(target string) bool {
	v, ok := j.unhealthy.store.Peek(target)
	return ok && v.value.ToBoolean()
}

// balancerSeed seeds the hash of object keys given to
// HashingLoadBalancer.select: the same object always goes to the same target.
var balancerSeed = maphash.MakeSeed()

// balancerKey hashes a select key: primitives by their string form (so that
// the choice is the same in every worker and every run), objects by
// identity, undefined and null as 0.
func balancerKey(v goja.Value) uint64 {
	if jsNullish(v) {
		return 0
	}
	if o, ok := v.(*goja.Object); ok {
		return maphash.Comparable(balancerSeed, o)
	}
	return algo.HashString(v.String())
}

// balancerClass makes one of the three load balancer classes; create returns a
// new empty balancer.
func (m *modEnv) balancerClass(name string, create func() algo.Balancer) *goja.Object {
	ctor, proto := m.class(name, func(args []goja.Value) any {
		j := &jsBalancer{class: name, b: create()}
		if _, ok := j.b.(*algo.Hashing); !ok {
			j.sticky = algo.NewCache[string](stickyTags, 0, nil)
		}
		if u := argAt(args, 1); !jsNullish(u) {
			j.unhealthy = nativeOf[*jsCache](m, u, name, "an algo.Cache of unhealthy targets as the second argument")
		}
		targets := m.argObject(args, 0, name, "targets", true)
		if targets == nil {
			return j
		}
		if targets.ClassName() == "Array" {
			var list []string
			m.rt.ForOf(targets, func(v goja.Value) bool {
				list = append(list, v.String())
				return true
			})
			for _, t := range list {
				j.add(t, 1)
			}
			return j
		}
		if _, ok := j.b.(*algo.Hashing); ok {
			m.typeError("%s: targets must be an array", name)
		}
		for _, k := range targets.Keys() {
			j.add(k, targets.Get(k).ToFloat())
		}
		return j
	})
	this := func(v goja.Value, fn string) *jsBalancer {
		j, ok := m.native(v).(*jsBalancer)
		if !ok || j.class != name {
			m.typeError("%s: expected an %s", fn, name)
		}
		return j
	}
	m.method(proto, "select", func(call goja.FunctionCall) goja.Value {
		tag := argAt(call.Arguments, 0)
		if t, ok := this(call.This, name+".select").selectTag(tag, tag); ok {
			return m.rt.ToValue(t)
		}
		return goja.Undefined()
	})
	m.method(proto, "next", func(call goja.FunctionCall) goja.Value {
		j := this(call.This, name+".next")
		if t, ok := j.selectTag(argAt(call.Arguments, 0), argAt(call.Arguments, 1)); ok {
			o := m.rt.NewObject()
			m.constant(o, "id", t)
			return o
		}
		return goja.Undefined()
	})
	m.method(proto, "deselect", func(call goja.FunctionCall) goja.Value {
		j := this(call.This, name+".deselect")
		if t := argAt(call.Arguments, 0); !jsNullish(t) {
			j.b.Release(t.String())
		}
		return goja.Undefined()
	})
	if _, ok := create().(*algo.Hashing); ok {
		m.method(proto, "add", func(call goja.FunctionCall) goja.Value {
			const fn = "algo.HashingLoadBalancer.add"
			this(call.This, fn).add(m.argString(call.Arguments, 0, fn, "target"), 1)
			return goja.Undefined()
		})
	} else {
		m.method(proto, "set", func(call goja.FunctionCall) goja.Value {
			fn := name + ".set"
			j := this(call.This, fn)
			target := m.argString(call.Arguments, 0, fn, "target")
			w := argAt(call.Arguments, 1)
			if !goja.IsNumber(w) {
				m.typeError("%s: weight must be a number", fn)
			}
			j.add(target, w.ToFloat())
			return goja.Undefined()
		})
	}
	return ctor
}

// secondsDuration converts seconds to a Duration, saturating.
func secondsDuration(s float64) time.Duration {
	if s >= math.MaxInt64/float64(time.Second) {
		return math.MaxInt64
	}
	return time.Duration(s * float64(time.Second))
}

// add adds target with weight (the hashing balancer ignores the weight).
func (j *jsBalancer) add(target string, weight float64) {
	switch b := j.b.(type) {
	case *algo.RoundRobin:
		b.Set(target, weight)
	case *algo.LeastWork:
		b.Set(target, weight)
	case *algo.Hashing:
		b.Add(target)
	}
}

// jsPool is an algo.ResourcePool.
type jsPool struct {
	pool      *algo.ResourcePool[goja.Value]
	allocator goja.Callable
}

// resourcePoolClass makes algo.ResourcePool, with Pipy 0.x's rules:
// allocate(pool, tenant) gives a tenant one resource per pool — the one it
// already has, or the oldest idle resource freed back to pool, or a new one
// from allocator(pool, tenant); without a tenant every call takes another
// resource. free(resource) makes it idle again (false when it was not
// allocated here); freeTenant(tenant) frees everything the tenant holds and
// returns how many (freeTag is the same, sluice's earlier name). Resources,
// pools and tenants are told apart as JS values (objects by identity).
func (m *modEnv) resourcePoolClass() *goja.Object {
	const name = "algo.ResourcePool"
	ctor, proto := m.class(name, func(args []goja.Value) any {
		return &jsPool{pool: algo.NewResourcePool[goja.Value](), allocator: m.argFunc(args, 0, name, "allocator", false)}
	})
	this := func(v goja.Value, fn string) *jsPool { return nativeOf[*jsPool](m, v, fn, "an algo.ResourcePool") }
	m.method(proto, "allocate", func(call goja.FunctionCall) goja.Value {
		p := this(call.This, name+".allocate")
		pool, tenant := argAt(call.Arguments, 0), argAt(call.Arguments, 1)
		pk := sameValueKey(pool)
		var tk any
		if !jsNullish(tenant) {
			tk = sameValueKey(tenant)
			if r, ok := p.pool.Held(pk, tk); ok {
				return r
			}
		}
		r, ok := p.pool.Take(pk)
		if !ok {
			r = m.call(p.allocator, pool, tenant)
		}
		p.pool.Lend(sameValueKey(r), r, pk, tk)
		return r
	})
	m.method(proto, "free", func(call goja.FunctionCall) goja.Value {
		p := this(call.This, name+".free")
		return m.rt.ToValue(p.pool.Free(sameValueKey(argAt(call.Arguments, 0))))
	})
	freeTenant := func(call goja.FunctionCall) goja.Value {
		p := this(call.This, name+".freeTenant")
		tenant := argAt(call.Arguments, 0)
		if jsNullish(tenant) {
			return m.rt.ToValue(0)
		}
		return m.rt.ToValue(p.pool.FreeTag(sameValueKey(tenant)))
	}
	m.method(proto, "freeTenant", freeTenant)
	m.method(proto, "freeTag", freeTenant)
	return ctor
}
