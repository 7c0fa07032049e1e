package algo

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func cacheKeys[V any](es []CacheEntry[V]) []any {
	var ks []any
	for _, e := range es {
		ks = append(ks, e.Key)
	}
	return ks
}

func TestLRUCacheEviction(t *testing.T) {
	c := NewCache[int](2, 0, nil)
	assert.Empty(t, c.Set("a", 1, nil))
	assert.Empty(t, c.Set("b", 2, nil))
	_, ok, _ := c.Get("a") // a is now the most recent
	assert.True(t, ok)
	assert.Equal(t, []any{"b"}, cacheKeys(c.Set("c", 3, nil)))
	assert.True(t, c.Has("a"))
	assert.False(t, c.Has("b"))
	assert.Equal(t, 2, c.Len())

	// has and peek do not touch recency.
	assert.True(t, c.Has("a"))
	_, _ = c.Peek("a")
	assert.Equal(t, []any{"a"}, cacheKeys(c.Set("d", 4, nil)))
}

func TestLRUCacheReplace(t *testing.T) {
	c := NewCache[int](0, 0, nil)
	same := func(a, b int) bool { return a == b }
	c.Set("k", 1, same)
	assert.Empty(t, c.Set("k", 1, same), "same value: nothing leaves")
	dropped := c.Set("k", 2, same)
	if assert.Len(t, dropped, 1) {
		assert.Equal(t, 1, dropped[0].Value)
	}
	v, ok, _ := c.Get("k")
	assert.True(t, ok)
	assert.Equal(t, 2, v)
}

func TestLRUCacheTTL(t *testing.T) {
	now := time.Unix(0, 0)
	c := NewCache[string](0, 10*time.Second, func() time.Time { return now })
	c.Set("k", "v", nil)
	now = now.Add(9 * time.Second)
	v, ok, dropped := c.Get("k")
	assert.True(t, ok)
	assert.Equal(t, "v", v)
	assert.Empty(t, dropped)
	now = now.Add(time.Second)
	assert.False(t, c.Has("k"))
	_, ok, dropped = c.Get("k")
	assert.False(t, ok)
	assert.Equal(t, []any{"k"}, cacheKeys(dropped))
	assert.Equal(t, 0, c.Len())

	c.Set("k", "v2", nil)
	now = now.Add(20 * time.Second)
	e, live, found := c.Remove("k")
	assert.True(t, found)
	assert.False(t, live)
	assert.Equal(t, "v2", e.Value)
}

func TestLRUCacheClear(t *testing.T) {
	c := NewCache[int](0, 0, nil)
	c.Set(1.0, 1, nil)
	c.Set("x", 2, nil)
	c.Get(1.0)
	assert.Equal(t, []any{"x", 1.0}, cacheKeys(c.Clear()))
	assert.Equal(t, 0, c.Len())
	_, live, found := c.Remove("x")
	assert.False(t, live)
	assert.False(t, found)
}
