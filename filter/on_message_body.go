package filter

import (
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// OnMessageBody returns a filter that calls fn with each message's complete
// body, and passes every event on as it comes. A MessageStart begins a new
// body; each Data inside the message is added to it (sharing its chunks, no
// copy) and passed on; at the MessageEnd fn gets the body (empty, not nil,
// for a bodiless message), then the MessageEnd is passed on. Data outside
// messages is passed on and not collected. A SessionEnd in the middle of a
// message drops the unfinished body without calling fn, and is passed on.
// A body larger than MaxBodySize (opts, at most one; see MessageOptions)
// ends the stream with a BufferOverflow SessionEnd.
//
// fn runs on the stream's worker and owns body: it may keep or consume it.
// The filter is shared by every stream of its pipeline, so fn may run
// concurrently for streams on different workers. A panic in fn ends the
// stream with a runtime-error SessionEnd naming onMessageBody, and the
// MessageEnd is dropped; once the stream has ended, fn is not called and
// events are dropped. OnMessageBody panics if fn is nil.
func OnMessageBody(fn func(s *pipeline.Stream, body *event.Data), opts ...MessageOptions) pipeline.Filter {
	if fn == nil {
		panic("filter: onMessageBody: nil callback")
	}
	return &onMessageBody{fn: fn, opts: messageOptions(opts)}
}

var onMessageBodyInfo = pipeline.Info{
	Name:     "onMessageBody",
	Synopsis: "(callback[, options])",
	Summary:  "Calls a function with each message's complete body",
}

type onMessageBody struct {
	fn   func(*pipeline.Stream, *event.Data)
	opts MessageOptions
}

func (*onMessageBody) Info() pipeline.Info { return onMessageBodyInfo }

func (f *onMessageBody) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	return &onMessageBodyInst{s: s, next: next, fn: f.fn, r: event.MessageReader{MaxBodySize: f.opts.MaxBodySize}}
}

// onMessageBodyInst is the per-stream instance.
type onMessageBodyInst struct {
	s    *pipeline.Stream
	next pipeline.Target
	fn   func(*pipeline.Stream, *event.Data)
	r    event.MessageReader
}

func (f *onMessageBodyInst) Input(evt event.Event) {
	if f.s.Ended() {
		return
	}
	msg, ok := readMessage(f.s, "onMessageBody", &f.r, evt)
	if !ok || (msg != nil && !f.call(msg.Body)) {
		return
	}
	f.next.Input(evt)
}

func (f *onMessageBodyInst) call(body *event.Data) (ok bool) {
	defer f.s.Catch("onMessageBody", &ok)
	f.fn(f.s, body)
	return true
}
