package algo

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestResourcePool(t *testing.T) {
	p := NewResourcePool[string]()
	_, ok := p.Take("db")
	assert.False(t, ok)
	p.Lend("r1", "r1", "db", nil)
	p.Lend("r2", "r2", "db", "conn-1")
	p.Lend("r3", "r3", "db", "conn-1")
	p.Lend("r4", "r4", "cache", "conn-1")

	assert.True(t, p.Free("r1"))
	assert.False(t, p.Free("r1"), "freed twice")
	assert.False(t, p.Free("unknown"))
	assert.Equal(t, 3, p.FreeTag("conn-1"))
	assert.Equal(t, 0, p.FreeTag("conn-1"))

	for _, want := range []string{"r1", "r2", "r3"} {
		got, ok := p.Take("db")
		assert.True(t, ok)
		assert.Equal(t, want, got, "idle resources are reused oldest first")
	}
	_, ok = p.Take("db")
	assert.False(t, ok)
	got, _ := p.Take("cache")
	assert.Equal(t, "r4", got)

	// Lending a resource again moves it to its new tag.
	p.Lend("r4", "r4", "cache", "a")
	p.Lend("r4", "r4", "cache", "b")
	assert.Equal(t, 0, p.FreeTag("a"))
	assert.Equal(t, 1, p.FreeTag("b"))
}

func TestPipyResourcePoolHeldPerTenant(t *testing.T) {
	p := NewResourcePool[string]()
	p.Lend("r1", "r1", "db", "conn-1")
	p.Lend("r2", "r2", "mq", "conn-1")
	got, ok := p.Held("db", "conn-1")
	assert.True(t, ok)
	assert.Equal(t, "r1", got)
	_, ok = p.Held("db", "conn-2")
	assert.False(t, ok)
	p.Free("r1")
	_, ok = p.Held("db", "conn-1")
	assert.False(t, ok, "a freed resource is no longer held")
}
