package script

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestJSURLRouter(t *testing.T) {
	h := newFakeHost(t, t.TempDir())
	h.run(t, `
		var r = new algo.URLRouter({
			'/hi/*': 'localhost:8080',
			'/echo': 'localhost:8081',
			'foo.com/bar/*': { service: 'bar' },
		});
	`)
	assert.Equal(t, "localhost:8080", h.runString(t, `r.find('any.host', '/hi/there')`))
	assert.Equal(t, "localhost:8081", h.runString(t, `r.find(undefined, '/echo')`))
	assert.Equal(t, "localhost:8081", h.runString(t, `r.find(null, '/echo?x=1')`))
	assert.Equal(t, "bar", h.runString(t, `r.find('foo.com:80', '/bar/1').service`))
	assert.True(t, h.run(t, `r.find('foo.com', '/nothing') === undefined`).ToBoolean())
	h.run(t, `r.add('/*', 'default')`)
	assert.Equal(t, "default", h.runString(t, `r.find('foo.com', '/nothing')`))
	assert.Equal(t, "default", h.runString(t, `r.find()`+"|| 'default'"))

	h.throws(t, `new algo.URLRouter({ 'no-path': 1 })`, "Error", "algo.URLRouter: invalid URL pattern")
	h.throws(t, `r.add(1, 2)`, "TypeError", "algo.URLRouter.add: pattern must be a string")
	h.throws(t, `r.find.call({}, '/x')`, "TypeError", "algo.URLRouter.find: expected an algo.URLRouter")
	h.throws(t, `new algo.URLRouter('x')`, "TypeError", "algo.URLRouter: rules must be an object")
	// Called without new, the constructor leaves algo alone.
	h.run(t, `var r2 = algo.URLRouter({ '/x': 1 })`)
	assert.Equal(t, int64(1), h.run(t, `r2.find('/x')`).ToInteger())
	assert.True(t, h.run(t, `algo.find === undefined && r2 instanceof algo.URLRouter`).ToBoolean())
}

func TestJSCache(t *testing.T) {
	h := newFakeHost(t, t.TempDir())
	h.run(t, `
		var log = [];
		var n = 0;
		var c = new algo.Cache(
			k => (log.push('alloc ' + k), k + '#' + (++n)),
			(k, v) => log.push('free ' + k + '=' + v),
			{ size: 2 }
		);
	`)
	assert.Equal(t, "a#1", h.runString(t, `c.get('a')`))
	assert.Equal(t, "a#1", h.runString(t, `c.get('a')`))
	h.run(t, `c.get('b'); c.get('a'); c.get('c')`) // b is evicted
	assert.Equal(t, "alloc a,alloc b,alloc c,free b=b#2", h.runString(t, `log.join()`))
	assert.True(t, h.run(t, `c.has('a') && c.has('c') && !c.has('b')`).ToBoolean())
	h.run(t, `log = []; c.set('a', 'A'); c.set('a', 'A')`)
	assert.Equal(t, "free a=a#1", h.runString(t, `log.join()`))
	h.run(t, `log = []`)
	assert.True(t, h.run(t, `c.remove('a') === true && c.remove('a') === false`).ToBoolean())
	h.run(t, `c.set('d', 'D'); c.clear()`)
	assert.Equal(t, "free a=A,free c=c#3,free d=D", h.runString(t, `log.join()`))
	assert.False(t, h.run(t, `c.has('c')`).ToBoolean())

	// Keys are JS values: objects by identity, numbers by value.
	h.run(t, `var plain = new algo.Cache(); var o1 = {}, o2 = {};
		plain.set(o1, 1); plain.set(o2, 2); plain.set(1, 'one'); plain.set(NaN, 'nan');`)
	assert.Equal(t, "1 2 one one nan undefined", h.runString(t,
		`[plain.get(o1), plain.get(o2), plain.get(1), plain.get(1.0), plain.get(NaN), plain.get('1')].map(String).join(' ')`))

	// Options alone, and ttl.
	h.run(t, `var t = new algo.Cache({ ttl: '10s' }); t.set('k', 'v')`)
	h.advance(9 * time.Second)
	assert.Equal(t, "v", h.runString(t, `t.get('k')`))
	h.advance(time.Second)
	assert.True(t, h.run(t, `t.get('k') === undefined`).ToBoolean())

	// onFree may call back into the cache.
	h.run(t, `var seen = [];
		var r = new algo.Cache(null, (k, v) => { seen.push(k + ':' + r.has(k)); r.remove('y'); }, { size: 2 });
		r.set('x', 1); r.set('y', 2); r.set('z', 3);`)
	assert.Equal(t, "x:false,y:false", h.runString(t, `seen.join()`))
	assert.True(t, h.run(t, `!r.has('x') && !r.has('y') && r.has('z')`).ToBoolean())

	// An exception in a callback reaches the script.
	h.run(t, `var bad = new algo.Cache(k => { throw new Error('boom ' + k) })`)
	h.throws(t, `bad.get('z')`, "Error", "boom z")
	h.throws(t, `new algo.Cache(1)`, "TypeError", "algo.Cache: onAllocate must be a function")
	h.throws(t, `new algo.Cache(null, null, { size: 'x' })`, "TypeError", "options.size")
	h.throws(t, `new algo.Cache(null, null, { ttl: 'soon' })`, "TypeError", "options.ttl")
}

func TestJSLoadBalancers(t *testing.T) {
	h := newFakeHost(t, t.TempDir())
	assert.Equal(t, "a a b a c a a", h.runString(t, `
		var rr = new algo.RoundRobinLoadBalancer({ a: 5, b: 1, c: 1 });
		[1,2,3,4,5,6,7].map(() => rr.select()).join(' ')`))
	assert.Equal(t, "x y x y", h.runString(t, `
		var rr2 = new algo.RoundRobinLoadBalancer(['x', 'y']);
		[rr2.select(), rr2.next().id, rr2.select(), rr2.next({}).id].join(' ')`))
	h.run(t, `rr2.set('z', 2)`)
	assert.Equal(t, "z x y z", h.runString(t, `[1,2,3,4].map(() => rr2.select()).join(' ')`))

	// Unhealthy targets are passed over.
	assert.Equal(t, "y y", h.runString(t, `
		var sick = new algo.Cache();
		var rr3 = new algo.RoundRobinLoadBalancer(['x', 'y'], sick);
		sick.set('x', true);
		[rr3.select(), rr3.select()].join(' ')`))
	assert.True(t, h.run(t, `sick.set('y', true); rr3.select() === undefined && rr3.next() === undefined`).ToBoolean())

	assert.Equal(t, "a b a b", h.runString(t, `
		var lw = new algo.LeastWorkLoadBalancer(['a', 'b']);
		[lw.select(), lw.select(), (lw.deselect('b'), lw.deselect('a'), lw.select()), lw.select()].join(' ')`))

	h.run(t, `var hb = new algo.HashingLoadBalancer(['h1', 'h2', 'h3'])`)
	assert.True(t, h.run(t, `hb.select('client') === hb.select('client') && hb.select({}) !== undefined`).ToBoolean())
	assert.True(t, h.run(t, `hb.next({}, 'client').id === hb.select('client')`).ToBoolean())
	assert.True(t, h.run(t, `var seen = {}; for (var i = 0; i < 64; i++) seen[hb.select('k' + i)] = 1; Object.keys(seen).length === 3`).ToBoolean())
	h.run(t, `hb.add('h4')`)
	assert.True(t, h.run(t, `typeof hb.set === 'undefined' && typeof rr.add === 'undefined'`).ToBoolean())

	h.throws(t, `new algo.HashingLoadBalancer({ a: 1 })`, "TypeError", "algo.HashingLoadBalancer: targets must be an array")
	h.throws(t, `new algo.RoundRobinLoadBalancer(['a'], {})`, "TypeError", "an algo.Cache of unhealthy targets")
	h.throws(t, `rr.set('a', 'heavy')`, "TypeError", "algo.RoundRobinLoadBalancer.set: weight must be a number")
	h.throws(t, `rr.select.call(lw)`, "TypeError", "expected an algo.RoundRobinLoadBalancer")
}

// The expected values of the two tests below were checked against Pipy 0.x.

func TestPipyResourcePoolAllocatesOnePerPoolAndTenant(t *testing.T) {
	h := newFakeHost(t, t.TempDir())
	h.run(t, `
		var id = 0, calls = [];
		var pool = new algo.ResourcePool((p, tenant) => (calls.push(p + '/' + tenant), p + ':' + (++id)));
		var a = pool.allocate('db', 'conn1');
		var b = pool.allocate('db', 'conn1');
		var c = pool.allocate('mq');
		var d = pool.allocate('db', 'conn2');
	`)
	assert.Equal(t, "db:1 db:1 mq:2 db:3", h.runString(t, `[a, b, c, d].join(' ')`), "a tenant keeps its resource of a pool")
	assert.Equal(t, "db/conn1 mq/undefined db/conn2", h.runString(t, `calls.join(' ')`), "the allocator gets (pool, tenant)")
	assert.Equal(t, int64(1), h.run(t, `pool.freeTenant('conn1')`).ToInteger())
	assert.Equal(t, "db:1 db:4", h.runString(t, `[pool.allocate('db', 'conn3'), pool.allocate('db')].join(' ')`),
		"what a tenant freed is reused first")
	assert.True(t, h.run(t, `pool.free(c) === true && pool.free(c) === false && pool.allocate('mq') === c`).ToBoolean())
	assert.Equal(t, int64(0), h.run(t, `pool.freeTenant()`).ToInteger())
	assert.Equal(t, int64(1), h.run(t, `pool.freeTag('conn2')`).ToInteger(), "freeTag is freeTenant")
	h.throws(t, `new algo.ResourcePool()`, "TypeError", "algo.ResourcePool: allocator must be a function")
}

func TestPipyBalancerSelectSticksPerTag(t *testing.T) {
	h := newFakeHost(t, t.TempDir())
	assert.Equal(t, "a b b a a b", h.runString(t, `
		var rr = new algo.RoundRobinLoadBalancer(['a', 'b']);
		[rr.select('t1'), rr.select('t2'), rr.select('t2'), rr.select('t1'), rr.select(), rr.select()].join(' ')`),
		"a tag keeps its target; a sticky hit does not count as a pick")
	assert.Equal(t, "a a b", h.runString(t, `
		var o = {};
		[rr.select(o), rr.select(o), rr.select({})].join(' ')`), "object tags stick by identity")
	assert.Equal(t, "a b a a", h.runString(t, `
		var lw = new algo.LeastWorkLoadBalancer(['a', 'b']);
		[lw.select('x'), lw.select('y'), lw.select('x'), lw.select('z')].join(' ')`),
		"least work: the tag x costs one unit of work once")
	assert.Equal(t, "x y", h.runString(t, `
		var sick = new algo.Cache();
		var rr2 = new algo.RoundRobinLoadBalancer(['x', 'y'], sick);
		var first = rr2.select('t');
		sick.set('x', true);
		[first, rr2.select('t')].join(' ')`), "a tag whose target turned unhealthy is picked anew")
	assert.True(t, h.run(t, `rr2.next('t').id === 'y'`).ToBoolean(), "next's first argument sticks too")
}
