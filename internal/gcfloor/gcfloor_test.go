package gcfloor

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestPercent(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		live, floor uint64
		base, want  int
	}{
		{0, 32 * mib, 100, 800},        // before any collection: the floor is the goal
		{1 * mib, 32 * mib, 100, 825},  // small heap: the minimum the runtime derives sets the goal
		{64 * mib, 32 * mib, 100, 100}, // large heap: GOGC as it was
		{32 * mib, 32 * mib, 100, 100},
		{8 * mib, 32 * mib, 100, 400},   // over the minimum: from the live heap
		{3 * mib, 32 * mib, 100, 875},   // rounded up
		{1 * mib, 32 * mib, 5000, 5000}, // a higher GOGC wins
		{1 * mib, 32 * mib, -1, -1},     // GOGC=off stays off
		{1 * mib, 2 * mib, 100, 100},    // a floor under the runtime's minimum changes nothing
	} {
		if got := Percent(c.live, c.floor, c.base); got != c.want {
			t.Errorf("Percent(%d, %d, %d) = %d, want %d", c.live, c.floor, c.base, got, c.want)
		}
	}
}

// After a collection, GOGC is set for the floor; Start(0) puts it back.
func TestStartSetsGOGCAfterEachCollection(t *testing.T) {
	set := make(chan int, 16)
	mu.Lock()
	onSet = func(p int) {
		select {
		case set <- p:
		default:
		}
	}
	mu.Unlock()
	t.Cleanup(func() {
		mu.Lock()
		onSet = nil
		mu.Unlock()
	})
	orig := debug.SetGCPercent(100)
	debug.SetGCPercent(orig)

	Start(1 << 30) // more than any test heap: GOGC goes up
	first := <-set // Start adjusts at once
	if first <= orig {
		t.Fatalf("Start set GOGC %d, not above %d", first, orig)
	}
	runtime.GC()
	deadline := time.After(10 * time.Second)
	select {
	case p := <-set:
		if p <= orig {
			t.Errorf("after a collection GOGC is %d, not above %d", p, orig)
		}
	case <-deadline:
		t.Fatal("no adjustment after a collection")
	}
	Start(0)
	if p := debug.SetGCPercent(orig); p != orig {
		t.Errorf("Start(0) left GOGC at %d, not %d", p, orig)
	}
}
