package script

import (
	"container/list"
	"time"
)

// lruCache is the storage behind algo.Cache: a map with a size limit that
// evicts the least recently used entry, and an optional time to live. It
// calls no callbacks itself: the methods that drop entries return them, so
// the binding can call the script's onFree after the cache is consistent
// again (onFree may well call back into the same cache).
//
// Keys must be comparable (the binding uses sameValueKey). A zero size means no
// limit, a zero ttl means entries never expire. now is the clock; an
// lruCache is not safe for concurrent use.
type lruCache[V any] struct {
	size    int
	ttl     time.Duration
	now     func() time.Time
	order   list.List // of *cacheEntry[V], least recently used first
	entries map[any]*list.Element
}

// cacheEntry is an entry of an lruCache.
type cacheEntry[V any] struct {
	key     any
	value   V
	expires time.Time // zero: never
}

// newLRUCache returns an empty cache; a nil now means time.Now.
func newLRUCache[V any](size int, ttl time.Duration, now func() time.Time) *lruCache[V] {
	if now == nil {
		now = time.Now
	}
	return &lruCache[V]{size: size, ttl: ttl, now: now, entries: make(map[any]*list.Element)}
}

func (c *lruCache[V]) len() int { return len(c.entries) }

func (c *lruCache[V]) expired(e *cacheEntry[V]) bool {
	return !e.expires.IsZero() && !c.now().Before(e.expires)
}

// get returns the value of key and marks it most recently used. An expired
// entry is removed and returned as dropped.
func (c *lruCache[V]) get(key any) (v V, ok bool, dropped []cacheEntry[V]) {
	el := c.entries[key]
	if el == nil {
		return v, false, nil
	}
	e := el.Value.(*cacheEntry[V])
	if c.expired(e) {
		c.order.Remove(el)
		delete(c.entries, key)
		return v, false, []cacheEntry[V]{*e}
	}
	c.order.MoveToBack(el)
	return e.value, true, nil
}

// has reports whether key has a live entry, without touching its recency.
func (c *lruCache[V]) has(key any) bool {
	el := c.entries[key]
	return el != nil && !c.expired(el.Value.(*cacheEntry[V]))
}

// peek returns the value of a live entry without touching its recency.
func (c *lruCache[V]) peek(key any) (v V, ok bool) {
	el := c.entries[key]
	if el == nil || c.expired(el.Value.(*cacheEntry[V])) {
		return v, false
	}
	return el.Value.(*cacheEntry[V]).value, true
}

// set stores value under key as the most recently used entry and restarts
// its time to live. It returns what left the cache: the entry it replaced
// (when same reports the old value is the new one, that entry is not
// returned) and the least recently used entries beyond the size limit.
func (c *lruCache[V]) set(key any, value V, same func(a, b V) bool) (dropped []cacheEntry[V]) {
	var expires time.Time
	if c.ttl > 0 {
		expires = c.now().Add(c.ttl)
	}
	if el := c.entries[key]; el != nil {
		e := el.Value.(*cacheEntry[V])
		if same == nil || !same(e.value, value) {
			dropped = append(dropped, *e)
		}
		e.value, e.expires = value, expires
		c.order.MoveToBack(el)
		return dropped
	}
	c.entries[key] = c.order.PushBack(&cacheEntry[V]{key: key, value: value, expires: expires})
	for c.size > 0 && len(c.entries) > c.size {
		el := c.order.Front()
		e := el.Value.(*cacheEntry[V])
		c.order.Remove(el)
		delete(c.entries, e.key)
		dropped = append(dropped, *e)
	}
	return dropped
}

// remove deletes key and returns its entry; ok reports whether it was live
// (an expired entry is removed too, and returned, but ok is false).
func (c *lruCache[V]) remove(key any) (e cacheEntry[V], ok, found bool) {
	el := c.entries[key]
	if el == nil {
		return e, false, false
	}
	e = *el.Value.(*cacheEntry[V])
	c.order.Remove(el)
	delete(c.entries, key)
	return e, !c.expired(&e), true
}

// clear empties the cache and returns its entries, least recently used first.
func (c *lruCache[V]) clear() []cacheEntry[V] {
	all := make([]cacheEntry[V], 0, len(c.entries))
	for el := c.order.Front(); el != nil; el = el.Next() {
		all = append(all, *el.Value.(*cacheEntry[V]))
	}
	c.order.Init()
	clear(c.entries)
	return all
}
