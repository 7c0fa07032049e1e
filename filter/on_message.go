package filter

import (
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// OnMessage returns a filter that calls fn with each complete message (head,
// body and tail), and passes every event on as it comes. A MessageStart
// begins a new message with its head; each Data inside the message is added
// to its body (sharing its chunks, no copy) and passed on; at the MessageEnd
// fn gets the message (Body empty, not nil, when there was none), then the
// MessageEnd is passed on. Data outside messages is passed on and not
// collected. A SessionEnd in the middle of a message drops the unfinished
// message without calling fn, and is passed on. A body larger than
// MaxBodySize (opts, at most one; see MessageOptions) ends the stream with
// a BufferOverflow SessionEnd.
//
// fn runs on the stream's worker and owns msg: it may keep it or consume its
// body, but the head and tail are the very values that were passed on, so it
// does not change them. The filter is shared by every stream of its pipeline,
// so fn may run concurrently for streams on different workers. A panic in fn
// ends the stream with a runtime-error SessionEnd naming onMessage, and the
// MessageEnd is dropped; once the stream has ended, fn is not called and
// events are dropped. OnMessage panics if fn is nil.
func OnMessage(fn func(s *pipeline.Stream, msg *event.Message), opts ...MessageOptions) pipeline.Filter {
	if fn == nil {
		panic("filter: onMessage: nil callback")
	}
	return &onMessage{fn: fn, opts: messageOptions(opts)}
}

var onMessageInfo = pipeline.Info{
	Name:     "onMessage",
	Synopsis: "(callback[, options])",
	Summary:  "Calls a function with each complete message",
}

type onMessage struct {
	fn   func(*pipeline.Stream, *event.Message)
	opts MessageOptions
}

func (*onMessage) Info() pipeline.Info { return onMessageInfo }

func (f *onMessage) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	return &onMessageInst{s: s, next: next, fn: f.fn, r: event.MessageReader{MaxBodySize: f.opts.MaxBodySize}}
}

// onMessageInst is the per-stream instance.
type onMessageInst struct {
	s    *pipeline.Stream
	next pipeline.Target
	fn   func(*pipeline.Stream, *event.Message)
	r    event.MessageReader
}

func (f *onMessageInst) Input(evt event.Event) {
	if f.s.Ended() {
		return
	}
	msg, ok := readMessage(f.s, "onMessage", &f.r, evt)
	if !ok || (msg != nil && !f.call(msg)) {
		return
	}
	f.next.Input(evt)
}

func (f *onMessageInst) call(msg *event.Message) (ok bool) {
	defer f.s.Catch("onMessage", &ok)
	f.fn(f.s, msg)
	return true
}
