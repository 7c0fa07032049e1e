package pipeline

import (
	"sync"
	"sync/atomic"
	"testing"
)

// BenchmarkServerCountsTwoWorkers measured whether serverCounts' byte
// counters, added by every worker serving one listener, should be padded
// onto cache lines of their own. On two cores (go test ./pipeline -run X
// -bench ServerCountsTwoWorkers -cpu 2 -benchtime 3000000x -count 5):
// both workers counting both counters, as they do, packed and padded are
// the same (the counters are shared truly, not falsely); padding helps
// only when one worker counts in and the other out, which no layout of
// work produces; per-worker counters save some 30 ns per read and write
// pair, against syscalls of microseconds. So serverCounts stays packed.

// paddedCounts is serverCounts with each counter on a cache line of its
// own, to see whether two workers counting the same server's bytes share
// lines falsely.
type paddedCounts struct {
	_        [2]atomic.Int64 // accepted and limited, as in serverCounts
	_        [48]byte
	bytesIn  atomic.Int64
	_        [56]byte
	bytesOut atomic.Int64
	_        [56]byte
}

// benchTwoWorkers runs in and out on two goroutines, b.N times each: both
// count both (the way two workers serving one listener do), or, with
// split, one only in and the other only out (the pure false-sharing case).
func benchTwoWorkers(b *testing.B, split bool, in, out func(g int, n int64)) {
	var wg sync.WaitGroup
	for g := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range b.N {
				switch {
				case !split:
					in(g, int64(i))
					out(g, int64(i))
				case g == 0:
					in(g, int64(i))
				default:
					out(g, int64(i))
				}
			}
		}()
	}
	wg.Wait()
}

func BenchmarkServerCountsTwoWorkers(b *testing.B) {
	for _, split := range []bool{false, true} {
		name := "both"
		if split {
			name = "split"
		}
		b.Run(name+"/packed", func(b *testing.B) {
			var c serverCounts
			benchTwoWorkers(b, split, func(_ int, n int64) { c.bytesIn.Add(n) }, func(_ int, n int64) { c.bytesOut.Add(n) })
		})
		b.Run(name+"/padded", func(b *testing.B) {
			var c paddedCounts
			benchTwoWorkers(b, split, func(_ int, n int64) { c.bytesIn.Add(n) }, func(_ int, n int64) { c.bytesOut.Add(n) })
		})
		b.Run(name+"/perworker", func(b *testing.B) {
			var c [2]paddedCounts
			benchTwoWorkers(b, split, func(g int, n int64) { c[g].bytesIn.Add(n) }, func(g int, n int64) { c[g].bytesOut.Add(n) })
		})
	}
}
