// Package gcfloor gives the Go garbage collector a heap floor: the heap may
// grow to the live heap plus the floor before a collection starts, however
// small the live heap is.
//
// With GOGC=100 a collection starts when the heap has doubled since the last
// one, but at 4 MiB at least. A proxy's live heap is small (about 1 MiB at
// rest: the script runtimes and the connections' state) while it allocates a
// few kilobytes per request, so at tens of thousands of requests a second it
// collects tens of times a second, each time marking the whole live heap and
// running with write barriers on: about a tenth of its CPU per request
// (bench/profile pool-js). With a floor of F, a collection starts at
// live + max(live·GOGC/100, F): a few collections a second at rest sizes,
// unchanged behaviour once the live heap is large. The cost is memory: up to
// F more heap under load (returned to the system over minutes when the load
// stops); a memory limit (GOMEMLIMIT) still bounds the heap.
//
// The floor is kept by setting GOGC after each collection from the live heap
// it left (runtime/metrics), not by a ballast allocation, so heap figures stay
// true.
package gcfloor

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// heapMinimum100 is the Go runtime's smallest heap goal at GOGC=100 (its
// defaultHeapMinimum); it scales with GOGC, so that a high GOGC also raises
// the goal of a small heap.
const heapMinimum100 = 4 << 20

// Percent returns the GOGC that makes the next collection start at about
// live + max(live·base/100, floor) bytes. The runtime's goal is
// max(live·(1 + GOGC/100), heapMinimum100·GOGC/100): for a live heap under
// heapMinimum100 the minimum sets it, over it the live heap does.
func Percent(live, floor uint64, base int) int {
	if base < 0 || live*uint64(base)/100 >= floor {
		return base
	}
	var p uint64
	if live < heapMinimum100 {
		p = ((live+floor)*100 + heapMinimum100 - 1) / heapMinimum100
	} else {
		p = (floor*100 + live - 1) / live
	}
	return max(int(p), base)
}

var (
	mu      sync.Mutex
	floor   uint64
	base    int
	started bool
	onSet   func(int) // a test's hook: called with each GOGC set
)

// Start keeps a heap floor of bytes from now on: after each collection,
// GOGC is set from the live heap (see Percent), with the GOGC the process
// had (the environment's, 100 by default) as the base. GOGC=off, or bytes
// <= 0, leaves the collector as it is. Calling Start again changes the
// floor.
func Start(bytes int64) {
	mu.Lock()
	defer mu.Unlock()
	if !started {
		base = debug.SetGCPercent(100)
		debug.SetGCPercent(base)
	}
	if bytes <= 0 || base < 0 {
		floor = 0
		if started {
			debug.SetGCPercent(base)
		}
		return
	}
	floor = uint64(bytes)
	if !started {
		started = true
		watch()
	}
	adjust()
}

// watch arranges for adjust to run after the next collection, and again
// after each one: a cleanup of an object nothing refers to runs once a
// collection has found it unreachable.
func watch() {
	runtime.AddCleanup(new(sentinel), func(struct{}) {
		mu.Lock()
		defer mu.Unlock()
		adjust()
		watch()
	}, struct{}{})
}

// sentinel is what watch waits on; it holds a pointer so that it is never
// one of the tiny allocator's shared blocks, whose cleanups may not run.
type sentinel struct{ _ *int }

var liveSample = []metrics.Sample{{Name: "/gc/heap/live:bytes"}}

// adjust sets GOGC for the live heap the last collection left. mu is held.
func adjust() {
	if floor == 0 {
		return
	}
	metrics.Read(liveSample)
	live := uint64(0)
	if liveSample[0].Value.Kind() == metrics.KindUint64 {
		live = liveSample[0].Value.Uint64()
	}
	p := Percent(live, floor, base)
	debug.SetGCPercent(p)
	if onSet != nil {
		onSet(p)
	}
}
