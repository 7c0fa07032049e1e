package dubbo

import (
	"fmt"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// EncodeFilter is the encodeDubbo filter: it turns messages into Dubbo
// frames. For each event kind:
//
//   - *event.MessageStart begins a message. Its head (a *Head, a Head, a
//     map[string]any with keys id, status, isRequest, isTwoWay, isEvent and
//     serialization, or nil) is resolved with the filter's Head as defaults,
//     as Encoder.Head does: a message with no id anywhere is numbered 1, 2, 3,
//     … within the stream. Nothing comes out yet.
//   - *event.Data inside a message is buffered (its chunks are shared, not
//     copied); outside a message it passes on unchanged.
//   - *event.MessageEnd ends the message: the frame (header and body) comes
//     out as one *event.Data.
//   - *event.SessionEnd passes on; a message still being buffered is dropped.
//
// A head that cannot be encoded ends the stream with a RuntimeError
// SessionEnd whose Cause wraps ErrInvalidHead; a body longer than MaxBodySize
// ends it with a BufferOverflow SessionEnd whose Cause wraps ErrBodyTooLarge.
//
// The zero value is ready to use; an EncodeFilter is shared by every stream
// of its pipeline and must not be changed once a stream has started.
type EncodeFilter struct {
	// Head supplies the fields a message's head lacks. It is nil (use
	// the defaults of HeadOf), a *Head or Head (every field but ID), a map[string]any
	// (the fields it has, id included), or a func(*pipeline.Stream) any
	// called at each MessageStart and returning one of those. A panic in the
	// function ends the stream with a RuntimeError SessionEnd.
	Head any
	// MaxBodySize is the largest body, in bytes, the filter buffers for one
	// message. Zero (or less) means DefaultMaxBodySize (8 MiB).
	MaxBodySize int64
}

// Encode returns the encodeDubbo filter with head as its Head (see
// EncodeFilter.Head).
func Encode(head any) *EncodeFilter { return &EncodeFilter{Head: head} }

// Info describes the filter as scripts call it.
func (f *EncodeFilter) Info() pipeline.Info {
	return pipeline.Info{
		Name:     "encodeDubbo",
		Synopsis: "([head])",
		Summary:  "Encodes messages into Dubbo frames",
	}
}

// New returns the filter's instance for stream s.
func (f *EncodeFilter) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	max := f.MaxBodySize
	if max <= 0 {
		max = DefaultMaxBodySize
	}
	return &encodeDubbo{f: f, s: s, next: next, max: max}
}

// encodeDubbo is the per-stream instance of EncodeFilter.
type encodeDubbo struct {
	f    *EncodeFilter
	s    *pipeline.Stream
	next pipeline.Target
	max  int64
	enc  Encoder
	head *Head       // the resolved head of the message being buffered
	body *event.Data // its body so far; nil outside a message
}

// Input buffers messages and writes each as a frame at its end.
func (f *encodeDubbo) Input(evt event.Event) {
	if f.s.Ended() {
		return
	}
	switch evt := evt.(type) {
	case *event.MessageStart:
		defaults, ok := f.defaults()
		if !ok {
			return
		}
		h, err := f.enc.Head(evt.Head, defaults)
		if err != nil {
			f.s.Fail(event.RuntimeError, fmt.Errorf("encodeDubbo: %w", err))
			return
		}
		f.head, f.body = h, event.NewData()
	case *event.Data:
		if f.body == nil {
			f.next.Input(evt)
			return
		}
		if int64(f.body.Len())+int64(evt.Len()) > f.max {
			f.s.Fail(event.BufferOverflow, fmt.Errorf("encodeDubbo: %w: message body exceeds %d bytes",
				ErrBodyTooLarge, f.max))
			return
		}
		f.body.PushData(evt)
	case *event.MessageEnd:
		if f.body == nil {
			return
		}
		out := event.NewData()
		err := AppendFrame(out, f.head, f.body)
		f.head, f.body = nil, nil
		if err != nil {
			f.s.Fail(event.RuntimeError, fmt.Errorf("encodeDubbo: %w", err))
			return
		}
		f.next.Input(out)
	case *event.SessionEnd:
		f.head, f.body = nil, nil
		f.next.Input(evt)
	default:
		f.next.Input(evt)
	}
}

// defaults returns the filter's Head, calling it when it is a function; ok
// is false when the function panicked (the stream has then failed).
func (f *encodeDubbo) defaults() (v any, ok bool) {
	fn, isFunc := f.f.Head.(func(*pipeline.Stream) any)
	if !isFunc {
		return f.f.Head, true
	}
	defer f.s.Catch("encodeDubbo", &ok)
	return fn(f.s), true
}
