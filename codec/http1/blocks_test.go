package http1

import (
	"strings"
	"testing"
	"unsafe"
)

// Each block with text room fills its size class: larger, it would take the
// next class; much smaller, it would leave room unused.
func TestRequestBlockTextSizes(t *testing.T) {
	for _, c := range []struct {
		name        string
		size, class uintptr
	}{
		{"requestBlock4Text", unsafe.Sizeof(requestBlock4Text{}), 384},
		{"requestBlock8Text", unsafe.Sizeof(requestBlock8Text{}), 768 - 8},
		{"requestBlock12Text", unsafe.Sizeof(requestBlock12Text{}), 1024 - 8},
		{"requestBlock16Text", unsafe.Sizeof(requestBlock16Text{}), 1152 - 8},
	} {
		if c.size > c.class || c.size+16 <= c.class {
			t.Errorf("%s is %d bytes, not just under %d", c.name, c.size, c.class)
		}
	}
}

// A small request head is one allocation, its text in its block; a large
// one gets a string of its own; either way the string is the head's bytes,
// which the caller may overwrite afterwards.
func TestNewRequestBlockText(t *testing.T) {
	for _, c := range []struct {
		fields, size int
		allocs       float64
	}{
		{0, 0, 1}, {1, 40, 1}, {4, 136, 1}, {5, 137, 1}, {8, 384, 1}, {12, 512, 1}, {16, 512, 1},
		{4, 600, 2}, {16, 513, 2}, {17, 40, 3}, // block, fields, string
	} {
		head := []byte(strings.Repeat("x", c.size))
		var s string
		var hs []Header
		got := testing.AllocsPerRun(20, func() { _, hs, s = newRequestBlockText(c.fields, head) })
		if got != c.allocs {
			t.Errorf("%d fields, %d bytes: %v allocations, want %v", c.fields, c.size, got, c.allocs)
		}
		if len(hs) != c.fields {
			t.Errorf("%d fields, %d bytes: room for %d fields", c.fields, c.size, len(hs))
		}
		want := string(head)
		for i := range head {
			head[i] = 'y'
		}
		if s != want {
			t.Errorf("%d fields, %d bytes: the string changed with the caller's bytes", c.fields, c.size)
		}
	}
}
