package event

import (
	"fmt"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// pattern returns n bytes that differ from their neighbours and depend on
// seed, so that a misplaced or overwritten byte shows up in a comparison.
func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i) + byte(i>>8)*7
	}
	return b
}

// chunkLens returns the length of each of d's chunks.
func chunkLens(d *Data) []int {
	var lens []int
	for _, c := range d.Chunks() {
		lens = append(lens, len(c))
	}
	return lens
}

// checkData reports whether d is internally consistent: its chunks are
// non-empty, none is longer than ChunkSize, they add up to Len, and Empty
// agrees with Len.
func checkData(d *Data) error {
	sum := 0
	for i, c := range d.Chunks() {
		if len(c) == 0 {
			return fmt.Errorf("chunk %d of %d is empty", i, len(d.Chunks()))
		}
		if len(c) > ChunkSize {
			return fmt.Errorf("chunk %d holds %d bytes, more than ChunkSize", i, len(c))
		}
		sum += len(c)
	}
	if sum != d.Len() {
		return fmt.Errorf("chunks hold %d bytes, Len says %d", sum, d.Len())
	}
	if d.Empty() != (d.Len() == 0) {
		return fmt.Errorf("Empty() = %v with Len() = %d", d.Empty(), d.Len())
	}
	return nil
}

// requireConsistent fails the test when checkData finds a fault.
func requireConsistent(t testing.TB, d *Data) {
	t.Helper()
	require.NoError(t, checkData(d))
}

// sameMemory reports whether a and b start at the same address: one is a view
// of the other, not a copy.
func sameMemory(a, b []byte) bool {
	return len(a) > 0 && len(b) > 0 && unsafe.SliceData(a) == unsafe.SliceData(b)
}
