package event

import (
	"fmt"
	"testing"
)

// BenchmarkDataPushShift pushes 1 KiB and shifts 1 KiB off, as a filter that
// passes data through does. "empty" shifts everything each time; "backlog"
// keeps 8 KiB queued, so each shift splits a chunk.
func BenchmarkDataPushShift(b *testing.B) {
	payload := pattern(1024, 1)
	for _, backlog := range []int{0, 8 << 10} {
		name := "empty"
		if backlog > 0 {
			name = fmt.Sprintf("backlog=%dKiB", backlog>>10)
		}
		b.Run(name, func(b *testing.B) {
			d := NewData()
			d.Push(pattern(backlog, 2))
			b.SetBytes(int64(len(payload)))
			b.ReportAllocs()
			for b.Loop() {
				d.Push(payload)
				out := d.Shift(len(payload))
				if out.Len() != len(payload) {
					b.Fatal(out.Len())
				}
			}
		})
	}
}

// BenchmarkDataClone clones a Data of one small chunk, of one full chunk, and
// of more chunks than a Data holds inline.
func BenchmarkDataClone(b *testing.B) {
	for _, size := range []int{100, ChunkSize, 4 * ChunkSize} {
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) {
			d := FromBytes(pattern(size, 3))
			b.ReportAllocs()
			for b.Loop() {
				c := d.Clone()
				if c.Len() != size {
					b.Fatal(c.Len())
				}
			}
		})
	}
}

// BenchmarkPushString builds a 1 KiB Data from 64 pieces of 16 bytes, as an
// encoder writing a message head does.
func BenchmarkPushString(b *testing.B) {
	piece := string(pattern(16, 4))
	b.SetBytes(64 * int64(len(piece)))
	b.ReportAllocs()
	for b.Loop() {
		var d Data
		for range 64 {
			d.PushString(piece)
		}
		if d.Len() != 64*len(piece) {
			b.Fatal(d.Len())
		}
	}
}
