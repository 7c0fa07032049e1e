package pipeline

import (
	"bytes"
	"testing"
)

// A small read is copied out, into one allocation with its Data, and the
// buffer goes back to the pool; a large one keeps the buffer.
func TestTakeBuffer(t *testing.T) {
	for _, n := range []int{1, 100, readBufferSize/2 - 1, readBufferSize / 2, readBufferSize} {
		bp := readBuffers.Get().(*[]byte)
		for i := range n {
			(*bp)[i] = byte(i*7 + 1)
		}
		want := bytes.Clone((*bp)[:n])
		d := takeBuffer(bp, n)
		if got := d.Bytes(); !bytes.Equal(got, want) {
			t.Fatalf("%d bytes: takeBuffer holds other bytes", n)
		}
		if kept := &d.Chunks()[0][0] == &(*bp)[0]; kept != (n >= readBufferSize/2) {
			t.Errorf("%d bytes: the Data uses the read buffer: %v", n, kept)
		}
	}
	if d := takeBuffer(readBuffers.Get().(*[]byte), 0); d != nil {
		t.Errorf("an empty read gives %v, not nil", d)
	}
}

func TestTakeBufferSmallReadAllocatesOnce(t *testing.T) {
	bp := readBuffers.Get().(*[]byte)
	readBuffers.Put(bp)
	allocs := testing.AllocsPerRun(100, func() {
		bp := readBuffers.Get().(*[]byte)
		takeBuffer(bp, 200)
	})
	if allocs != 1 {
		t.Errorf("a 200-byte read allocates %v times, not once", allocs)
	}
}
