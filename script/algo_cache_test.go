package script

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func cacheKeys[V any](es []cacheEntry[V]) []any {
	var ks []any
	for _, e := range es {
		ks = append(ks, e.key)
	}
	return ks
}

func TestLRUCacheEviction(t *testing.T) {
	c := newLRUCache[int](2, 0, nil)
	assert.Empty(t, c.set("a", 1, nil))
	assert.Empty(t, c.set("b", 2, nil))
	_, ok, _ := c.get("a") // a is now the most recent
	assert.True(t, ok)
	assert.Equal(t, []any{"b"}, cacheKeys(c.set("c", 3, nil)))
	assert.True(t, c.has("a"))
	assert.False(t, c.has("b"))
	assert.Equal(t, 2, c.len())

	// has and peek do not touch recency.
	assert.True(t, c.has("a"))
	_, _ = c.peek("a")
	assert.Equal(t, []any{"a"}, cacheKeys(c.set("d", 4, nil)))
}

func TestLRUCacheReplace(t *testing.T) {
	c := newLRUCache[int](0, 0, nil)
	same := func(a, b int) bool { return a == b }
	c.set("k", 1, same)
	assert.Empty(t, c.set("k", 1, same), "same value: nothing leaves")
	dropped := c.set("k", 2, same)
	if assert.Len(t, dropped, 1) {
		assert.Equal(t, 1, dropped[0].value)
	}
	v, ok, _ := c.get("k")
	assert.True(t, ok)
	assert.Equal(t, 2, v)
}

func TestLRUCacheTTL(t *testing.T) {
	now := time.Unix(0, 0)
	c := newLRUCache[string](0, 10*time.Second, func() time.Time { return now })
	c.set("k", "v", nil)
	now = now.Add(9 * time.Second)
	v, ok, dropped := c.get("k")
	assert.True(t, ok)
	assert.Equal(t, "v", v)
	assert.Empty(t, dropped)
	now = now.Add(time.Second)
	assert.False(t, c.has("k"))
	_, ok, dropped = c.get("k")
	assert.False(t, ok)
	assert.Equal(t, []any{"k"}, cacheKeys(dropped))
	assert.Equal(t, 0, c.len())

	c.set("k", "v2", nil)
	now = now.Add(20 * time.Second)
	e, live, found := c.remove("k")
	assert.True(t, found)
	assert.False(t, live)
	assert.Equal(t, "v2", e.value)
}

func TestLRUCacheClear(t *testing.T) {
	c := newLRUCache[int](0, 0, nil)
	c.set(1.0, 1, nil)
	c.set("x", 2, nil)
	c.get(1.0)
	assert.Equal(t, []any{"x", 1.0}, cacheKeys(c.clear()))
	assert.Equal(t, 0, c.len())
	_, live, found := c.remove("x")
	assert.False(t, live)
	assert.False(t, found)
}
