package http1

import (
	"strings"
	"testing"
	"unsafe"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// Each block with text room fills its size class: larger, it would take the
// next class; much smaller, it would leave room unused.
func TestBlockTextSizes(t *testing.T) {
	for _, c := range []struct {
		name        string
		size, class uintptr
	}{
		{"requestBlock4Text", unsafe.Sizeof(requestBlock4Text{}), 384},
		{"requestBlock8Text", unsafe.Sizeof(requestBlock8Text{}), 768 - 8},
		{"requestBlock12Text", unsafe.Sizeof(requestBlock12Text{}), 1024 - 8},
		{"requestBlock16Text", unsafe.Sizeof(requestBlock16Text{}), 1152 - 8},
		{"responseBlock4Text", unsafe.Sizeof(responseBlock4Text{}), 512},
		{"responseBlock8Text", unsafe.Sizeof(responseBlock8Text{}), 896 - 8},
		{"responseBlock12Text", unsafe.Sizeof(responseBlock12Text{}), 1024 - 8},
		{"responseBlock16Text", unsafe.Sizeof(responseBlock16Text{}), 1280 - 8},
	} {
		if c.size > c.class || c.size+16 <= c.class {
			t.Errorf("%s is %d bytes, not just under %d", c.name, c.size, c.class)
		}
	}
}

// A small head is one allocation, its text in its block; a large one gets
// a string of its own; either way the string is the head's bytes, which
// the caller may overwrite afterwards.
func TestNewBlockText(t *testing.T) {
	type blockText func(n int, head []byte) ([]Header, string)
	request := func(n int, head []byte) ([]Header, string) { _, hs, s, _ := newRequestBlockText(n, head); return hs, s }
	response := func(n int, head []byte) ([]Header, string) {
		_, hs, s, _ := newResponseBlockText(n, head)
		return hs, s
	}
	for _, c := range []struct {
		name         string
		f            blockText
		fields, size int
		allocs       float64
	}{
		{"request", request, 0, 0, 1}, {"request", request, 1, 40, 1}, {"request", request, 4, 136, 1},
		{"request", request, 5, 137, 1}, {"request", request, 8, 384, 1}, {"request", request, 12, 512, 1},
		{"request", request, 16, 512, 1}, {"request", request, 4, 600, 2}, {"request", request, 16, 513, 2},
		{"request", request, 17, 40, 3}, // block, fields, string
		{"response", response, 0, 0, 1}, {"response", response, 4, 184, 1}, {"response", response, 5, 185, 1},
		{"response", response, 8, 432, 1}, {"response", response, 12, 432, 1}, {"response", response, 16, 560, 1},
		{"response", response, 4, 600, 2}, {"response", response, 16, 561, 2}, {"response", response, 17, 40, 3},
	} {
		head := []byte(strings.Repeat("x", c.size))
		var s string
		var hs []Header
		got := testing.AllocsPerRun(20, func() { hs, s = c.f(c.fields, head) })
		if got != c.allocs {
			t.Errorf("%s, %d fields, %d bytes: %v allocations, want %v", c.name, c.fields, c.size, got, c.allocs)
		}
		if len(hs) != c.fields {
			t.Errorf("%s, %d fields, %d bytes: room for %d fields", c.name, c.fields, c.size, len(hs))
		}
		want := string(head)
		for i := range head {
			head[i] = 'y'
		}
		if s != want {
			t.Errorf("%s, %d fields, %d bytes: the string changed with the caller's bytes", c.name, c.fields, c.size)
		}
	}
}

// A response written with the default head fills its size class.
func TestDefaultHeadBlockSize(t *testing.T) {
	if n := unsafe.Sizeof(defaultHeadBlock{}); n > 384 || n+16 <= 384 {
		t.Errorf("defaultHeadBlock is %d bytes, not just under 384", n)
	}
}

// A message without a head is answered with the default head, and the
// MessageStart passed on carries a copy of it of its own: changing it
// changes neither the default nor the next response's.
func TestEncodeResponseDefaultHeadIsCopied(t *testing.T) {
	var out []event.Event
	w := pipeline.NewWorker(pipeline.WorkerOptions{})
	var st *pipeline.Stream
	w.Post(func() {
		st = pipeline.NewStream(pipeline.New("p", EncodeResponse(nil)), pipeline.NewContext(w),
			pipeline.TargetFunc(func(e event.Event) { out = append(out, e) }))
	})
	w.RunPending()
	var heads []*ResponseHead
	var bytes strings.Builder
	for range 2 {
		w.Post(func() {
			for _, e := range []event.Event{&event.MessageStart{}, event.FromString("hi"), &event.MessageEnd{}} {
				st.Input(e)
			}
		})
		w.RunPending()
		for _, e := range out {
			switch e := e.(type) {
			case *event.MessageStart:
				h := e.Head.(*ResponseHead)
				heads = append(heads, h)
				h.Status = 599 // the next filter owns it
			case *event.Data:
				bytes.WriteString(e.String())
			}
		}
		out = out[:0]
	}
	const answer = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nhi"
	if got := bytes.String(); got != answer+answer {
		t.Errorf("wrote %q, want %q twice", got, answer)
	}
	if len(heads) != 2 || heads[0] == heads[1] || heads[0] == defaultResponseHead || heads[1] == defaultResponseHead {
		t.Fatalf("heads passed on %p, shared default %p", heads, defaultResponseHead)
	}
	if defaultResponseHead.Status != 200 {
		t.Errorf("the shared default head changed: status %d", defaultResponseHead.Status)
	}
}
