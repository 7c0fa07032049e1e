package algo

import (
	"container/list"
	"time"
)

// Cache is a map with a size limit that evicts the least recently used entry,
// and an optional time to live; it is the storage of the scripts' algo.Cache.
// It calls no callbacks itself: the methods that drop entries return them, so
// the caller can release what they hold once the cache is consistent again
// (even if that calls back into the same cache).
//
// Keys must be comparable. A Cache is not safe for concurrent use.
type Cache[V any] struct {
	size    int
	ttl     time.Duration
	now     func() time.Time
	order   list.List // of *CacheEntry[V], least recently used first
	entries map[any]*list.Element
}

// CacheEntry is an entry of a Cache, as the methods that drop entries return it.
type CacheEntry[V any] struct {
	Key     any
	Value   V
	Expires time.Time // zero: never
}

// NewCache returns an empty cache of at most size entries (0: no limit) that
// expire ttl after they were last set (0: never), on the clock now (nil:
// time.Now).
func NewCache[V any](size int, ttl time.Duration, now func() time.Time) *Cache[V] {
	if now == nil {
		now = time.Now
	}
	return &Cache[V]{size: size, ttl: ttl, now: now, entries: make(map[any]*list.Element)}
}

// Len returns the number of entries, expired ones not yet dropped included.
func (c *Cache[V]) Len() int { return len(c.entries) }

func (c *Cache[V]) expired(e *CacheEntry[V]) bool {
	return !e.Expires.IsZero() && !c.now().Before(e.Expires)
}

// Get returns the value of key and marks it most recently used. An expired
// entry is removed and returned as dropped.
func (c *Cache[V]) Get(key any) (v V, ok bool, dropped []CacheEntry[V]) {
	el := c.entries[key]
	if el == nil {
		return v, false, nil
	}
	e := el.Value.(*CacheEntry[V])
	if c.expired(e) {
		c.order.Remove(el)
		delete(c.entries, key)
		return v, false, []CacheEntry[V]{*e}
	}
	c.order.MoveToBack(el)
	return e.Value, true, nil
}

// Has reports whether key has a live entry, without touching its recency.
func (c *Cache[V]) Has(key any) bool {
	el := c.entries[key]
	return el != nil && !c.expired(el.Value.(*CacheEntry[V]))
}

// Peek returns the value of a live entry without touching its recency.
func (c *Cache[V]) Peek(key any) (v V, ok bool) {
	el := c.entries[key]
	if el == nil || c.expired(el.Value.(*CacheEntry[V])) {
		return v, false
	}
	return el.Value.(*CacheEntry[V]).Value, true
}

// Set stores value under key as the most recently used entry and restarts
// its time to live. It returns what left the cache: the entry it replaced
// (when same reports the old value is the new one, that entry is not
// returned) and the least recently used entries beyond the size limit.
func (c *Cache[V]) Set(key any, value V, same func(a, b V) bool) (dropped []CacheEntry[V]) {
	var expires time.Time
	if c.ttl > 0 {
		expires = c.now().Add(c.ttl)
	}
	if el := c.entries[key]; el != nil {
		e := el.Value.(*CacheEntry[V])
		if same == nil || !same(e.Value, value) {
			dropped = append(dropped, *e)
		}
		e.Value, e.Expires = value, expires
		c.order.MoveToBack(el)
		return dropped
	}
	c.entries[key] = c.order.PushBack(&CacheEntry[V]{Key: key, Value: value, Expires: expires})
	for c.size > 0 && len(c.entries) > c.size {
		el := c.order.Front()
		e := el.Value.(*CacheEntry[V])
		c.order.Remove(el)
		delete(c.entries, e.Key)
		dropped = append(dropped, *e)
	}
	return dropped
}

// Remove deletes key and returns its entry; found reports whether there
// was one, ok whether it was live
// (an expired entry is removed too, and returned, but ok is false).
func (c *Cache[V]) Remove(key any) (e CacheEntry[V], ok, found bool) {
	el := c.entries[key]
	if el == nil {
		return e, false, false
	}
	e = *el.Value.(*CacheEntry[V])
	c.order.Remove(el)
	delete(c.entries, key)
	return e, !c.expired(&e), true
}

// Clear empties the cache and returns its entries, least recently used first.
func (c *Cache[V]) Clear() []CacheEntry[V] {
	all := make([]CacheEntry[V], 0, len(c.entries))
	for el := c.order.Front(); el != nil; el = el.Next() {
		all = append(all, *el.Value.(*CacheEntry[V]))
	}
	c.order.Init()
	clear(c.entries)
	return all
}
