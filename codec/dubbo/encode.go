package dubbo

import (
	"fmt"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// EncodeFilter is the encodeDubbo filter: it turns messages into Dubbo
// frames, keeping their boundaries. For each event kind:
//
//   - *event.MessageStart begins a message. Its head is the filter's Head
//     when that is set (it replaces the message's head, as in Pipy), else
//     the message's own; any kind of head is read by field name (see
//     HeadOf), so an HTTP head gives a two-way request. A message without
//     an id is numbered 1, 2, 3, … within the stream (see Encoder). Nothing
//     comes out yet.
//   - *event.Data inside a message is buffered (its chunks are shared, not
//     copied); outside a message it passes on unchanged.
//   - *event.MessageEnd ends the message: its MessageStart (carrying the
//     head written), the frame (header and body) as one *event.Data, and the
//     MessageEnd come out. Sockets write only the bytes, a decoder reads only
//     them, and onMessage or mux after the encoder see whole messages.
//   - *event.SessionEnd passes on; a message still being buffered is dropped.
//
// A head that cannot be encoded ends the stream with a RuntimeError
// SessionEnd whose Cause wraps ErrInvalidHead; a body longer than MaxBodySize
// ends it with a BufferOverflow SessionEnd whose Cause wraps ErrBodyTooLarge.
//
// The zero value is ready to use.
type EncodeFilter struct {
	// Head, when not nil, replaces each message's head: any head HeadOf
	// reads (a *Head, a map[string]any, an event.Head, …), or a
	// func(*pipeline.Stream) any called at each MessageStart and returning
	// one. A static head without an id still gets a fresh id per message. A
	// panic in the function ends the stream with a RuntimeError SessionEnd.
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
		Summary:  "Encodes messages into Dubbo frames (a head argument replaces each message's head)",
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
	f     *EncodeFilter
	s     *pipeline.Stream
	next  pipeline.Target
	max   int64
	enc   Encoder
	start *event.MessageStart // the message's MessageStart, passed on with its head
	head  *Head               // the resolved head of the message being buffered
	body  *event.Data         // its body so far; nil outside a message
}

// Input buffers messages and writes each as a frame at its end.
func (f *encodeDubbo) Input(evt event.Event) {
	if f.s.Ended() {
		return
	}
	switch evt := evt.(type) {
	case *event.MessageStart:
		head, ok := f.headOf(evt)
		if !ok {
			return
		}
		h, err := f.enc.Head(head)
		if err != nil {
			f.s.Fail(event.RuntimeError, fmt.Errorf("encodeDubbo: %w", err))
			return
		}
		if h == head && f.f.Head != nil && !isFunc(f.f.Head) {
			c := *h // the filter's own head goes downstream: a copy per message
			h = &c
		}
		f.start, f.head, f.body = evt, h, event.NewData()
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
		start, h := f.start, f.head
		f.start, f.head, f.body = nil, nil, nil
		if err != nil {
			f.s.Fail(event.RuntimeError, fmt.Errorf("encodeDubbo: %w", err))
			return
		}
		start.Head = h
		f.next.Input(start)
		if !f.s.Ended() {
			f.next.Input(out)
		}
		if !f.s.Ended() {
			f.next.Input(evt)
		}
	case *event.SessionEnd:
		f.start, f.head, f.body = nil, nil, nil
		f.next.Input(evt)
	default:
		f.next.Input(evt)
	}
}

// headOf returns the head of the message evt begins: the filter's Head
// (called when it is a function) or, without one, the message's. ok is false
// when the function panicked (the stream has then failed).
func (f *encodeDubbo) headOf(evt *event.MessageStart) (v any, ok bool) {
	if f.f.Head == nil {
		return evt.Head, true
	}
	fn, isFn := f.f.Head.(func(*pipeline.Stream) any)
	if !isFn {
		return f.f.Head, true
	}
	defer f.s.Catch("encodeDubbo", &ok)
	return fn(f.s), true
}

func isFunc(head any) bool {
	_, ok := head.(func(*pipeline.Stream) any)
	return ok
}
