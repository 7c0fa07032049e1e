package script

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestResourcePool(t *testing.T) {
	p := newResourcePool[string]()
	_, ok := p.take("db")
	assert.False(t, ok)
	p.lend("r1", "r1", "db", nil)
	p.lend("r2", "r2", "db", "conn-1")
	p.lend("r3", "r3", "db", "conn-1")
	p.lend("r4", "r4", "cache", "conn-1")

	assert.True(t, p.free("r1"))
	assert.False(t, p.free("r1"), "freed twice")
	assert.False(t, p.free("unknown"))
	assert.Equal(t, 3, p.freeTag("conn-1"))
	assert.Equal(t, 0, p.freeTag("conn-1"))

	for _, want := range []string{"r1", "r2", "r3"} {
		got, ok := p.take("db")
		assert.True(t, ok)
		assert.Equal(t, want, got, "idle resources are reused oldest first")
	}
	_, ok = p.take("db")
	assert.False(t, ok)
	got, _ := p.take("cache")
	assert.Equal(t, "r4", got)

	// Lending a resource again moves it to its new tag.
	p.lend("r4", "r4", "cache", "a")
	p.lend("r4", "r4", "cache", "b")
	assert.Equal(t, 0, p.freeTag("a"))
	assert.Equal(t, 1, p.freeTag("b"))
}

func TestPipyResourcePoolHeldPerTenant(t *testing.T) {
	p := newResourcePool[string]()
	p.lend("r1", "r1", "db", "conn-1")
	p.lend("r2", "r2", "mq", "conn-1")
	got, ok := p.held("db", "conn-1")
	assert.True(t, ok)
	assert.Equal(t, "r1", got)
	_, ok = p.held("db", "conn-2")
	assert.False(t, ok)
	p.free("r1")
	_, ok = p.held("db", "conn-1")
	assert.False(t, ok, "a freed resource is no longer held")
}
