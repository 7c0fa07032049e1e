package algo

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func picks(b Balancer, n int, skip func(string) bool) string {
	var out []string
	for range n {
		t, ok := b.Pick(0, skip)
		if !ok {
			t = "-"
		}
		out = append(out, t)
	}
	return strings.Join(out, " ")
}

func TestRoundRobinSmooth(t *testing.T) {
	r := NewRoundRobin()
	r.Set("a", 5)
	r.Set("b", 1)
	r.Set("c", 1)
	assert.Equal(t, "a a b a c a a a a b a c a a", picks(r, 14, nil))
}

func TestRoundRobinEqualAndZero(t *testing.T) {
	r := NewRoundRobin()
	for _, s := range []string{"x", "y", "z"} {
		r.Set(s, 1)
	}
	r.Set("off", 0)
	assert.Equal(t, "x y z x y z", picks(r, 6, nil))
	assert.Equal(t, "x z x z", picks(r, 4, func(s string) bool { return s == "y" }))
	assert.Equal(t, "- -", picks(r, 2, func(string) bool { return true }))
	r.Set("off", -3)
	assert.Equal(t, "-", picks(NewRoundRobin(), 1, nil))
}

func TestRoundRobinProportions(t *testing.T) {
	r := NewRoundRobin()
	r.Set("a", 3)
	r.Set("b", 2)
	r.Set("c", 0.5)
	counts := map[string]int{}
	for range 1100 {
		s, _ := r.Pick(0, nil)
		counts[s]++
	}
	assert.Equal(t, map[string]int{"a": 600, "b": 400, "c": 100}, counts)
	r.Set("a", 1) // new weights restart the rotation
	clear(counts)
	for range 350 {
		s, _ := r.Pick(0, nil)
		counts[s]++
	}
	assert.Equal(t, map[string]int{"a": 100, "b": 200, "c": 50}, counts)
}

func TestLeastWork(t *testing.T) {
	l := NewLeastWork()
	l.Set("a", 2)
	l.Set("b", 1)
	assert.Equal(t, "a b a a b a", picks(l, 6, nil)) // loads go a:4/2 b:2/1
	l.Release("a")
	l.Release("a")
	l.Release("a")
	assert.Equal(t, "a", picks(l, 1, nil))
	l.Release("nope")
	for range 10 {
		l.Release("b")
	}
	assert.Equal(t, "b", picks(l, 1, nil))
	assert.Equal(t, "a a", picks(l, 2, func(s string) bool { return s == "b" }))
	l.Set("a", 0)
	assert.Equal(t, "b", picks(l, 1, nil))
}

func TestHashing(t *testing.T) {
	h := &Hashing{}
	_, ok := h.Pick(1, nil)
	assert.False(t, ok)
	for _, s := range []string{"a", "b", "c"} {
		h.Add(s)
	}
	k := HashString("client-1")
	first, ok := h.Pick(k, nil)
	assert.True(t, ok)
	for range 5 {
		again, _ := h.Pick(k, nil)
		assert.Equal(t, first, again)
	}
	_, ok = h.Pick(k, func(s string) bool { return s == first })
	assert.False(t, ok, "a skipped target is not replaced")
	seen := map[string]bool{}
	for i := range 100 {
		s, _ := h.Pick(HashString(string(rune('a'+i%26))+string(rune(i))), nil)
		seen[s] = true
	}
	assert.Len(t, seen, 3)
	assert.Equal(t, uint64(0xcbf29ce484222325), HashString(""))
}
