package script

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func picks(b balancer, n int, skip func(string) bool) string {
	var out []string
	for range n {
		t, ok := b.pick(0, skip)
		if !ok {
			t = "-"
		}
		out = append(out, t)
	}
	return strings.Join(out, " ")
}

func TestRoundRobinSmooth(t *testing.T) {
	r := newRoundRobin()
	r.set("a", 5)
	r.set("b", 1)
	r.set("c", 1)
	assert.Equal(t, "a a b a c a a a a b a c a a", picks(r, 14, nil))
}

func TestRoundRobinEqualAndZero(t *testing.T) {
	r := newRoundRobin()
	for _, s := range []string{"x", "y", "z"} {
		r.set(s, 1)
	}
	r.set("off", 0)
	assert.Equal(t, "x y z x y z", picks(r, 6, nil))
	assert.Equal(t, "x z x z", picks(r, 4, func(s string) bool { return s == "y" }))
	assert.Equal(t, "- -", picks(r, 2, func(string) bool { return true }))
	r.set("off", -3)
	assert.Equal(t, "-", picks(newRoundRobin(), 1, nil))
}

func TestRoundRobinProportions(t *testing.T) {
	r := newRoundRobin()
	r.set("a", 3)
	r.set("b", 2)
	r.set("c", 0.5)
	counts := map[string]int{}
	for range 1100 {
		s, _ := r.pick(0, nil)
		counts[s]++
	}
	assert.Equal(t, map[string]int{"a": 600, "b": 400, "c": 100}, counts)
	r.set("a", 1) // new weights restart the rotation
	clear(counts)
	for range 350 {
		s, _ := r.pick(0, nil)
		counts[s]++
	}
	assert.Equal(t, map[string]int{"a": 100, "b": 200, "c": 50}, counts)
}

func TestLeastWork(t *testing.T) {
	l := newLeastWork()
	l.set("a", 2)
	l.set("b", 1)
	assert.Equal(t, "a b a a b a", picks(l, 6, nil)) // loads go a:4/2 b:2/1
	l.release("a")
	l.release("a")
	l.release("a")
	assert.Equal(t, "a", picks(l, 1, nil))
	l.release("nope")
	for range 10 {
		l.release("b")
	}
	assert.Equal(t, "b", picks(l, 1, nil))
	assert.Equal(t, "a a", picks(l, 2, func(s string) bool { return s == "b" }))
	l.set("a", 0)
	assert.Equal(t, "b", picks(l, 1, nil))
}

func TestHashing(t *testing.T) {
	h := &hashing{}
	_, ok := h.pick(1, nil)
	assert.False(t, ok)
	for _, s := range []string{"a", "b", "c"} {
		h.add(s)
	}
	k := fnvHash("client-1")
	first, ok := h.pick(k, nil)
	assert.True(t, ok)
	for range 5 {
		again, _ := h.pick(k, nil)
		assert.Equal(t, first, again)
	}
	_, ok = h.pick(k, func(s string) bool { return s == first })
	assert.False(t, ok, "a skipped target is not replaced")
	seen := map[string]bool{}
	for i := range 100 {
		s, _ := h.pick(fnvHash(string(rune('a'+i%26))+string(rune(i))), nil)
		seen[s] = true
	}
	assert.Len(t, seen, 3)
	assert.Equal(t, uint64(0xcbf29ce484222325), fnvHash(""))
}
