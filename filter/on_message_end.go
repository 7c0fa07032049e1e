package filter

import (
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// OnMessageEnd returns a filter that calls fn with each MessageEnd event, then
// passes it on. Data, MessageStart and SessionEnd are passed on untouched.
//
// fn runs on the stream's worker and borrows me for the call: it may read the
// tail but does not change it. The filter is shared by every stream of its
// pipeline, so fn may run concurrently for streams on different workers. A
// panic in fn ends the stream with a runtime-error SessionEnd naming
// onMessageEnd, and me is dropped; once the stream has ended, fn is not called
// and events are dropped. OnMessageEnd panics if fn is nil.
func OnMessageEnd(fn func(s *pipeline.Stream, me *event.MessageEnd)) pipeline.Filter {
	if fn == nil {
		panic("filter: onMessageEnd: nil callback")
	}
	return &onMessageEnd{fn: fn}
}

var onMessageEndInfo = pipeline.Info{
	Name:     "onMessageEnd",
	Synopsis: "(callback)",
	Summary:  "Calls a function with each MessageEnd event",
}

type onMessageEnd struct {
	fn func(*pipeline.Stream, *event.MessageEnd)
}

func (*onMessageEnd) Info() pipeline.Info { return onMessageEndInfo }

func (f *onMessageEnd) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	return &onMessageEndInst{s: s, next: next, fn: f.fn}
}

// onMessageEndInst is the per-stream instance.
type onMessageEndInst struct {
	s    *pipeline.Stream
	next pipeline.Target
	fn   func(*pipeline.Stream, *event.MessageEnd)
}

func (f *onMessageEndInst) Input(evt event.Event) {
	if f.s.Ended() {
		return
	}
	if e, ok := evt.(*event.MessageEnd); ok && !f.call(e) {
		return
	}
	f.next.Input(evt)
}

func (f *onMessageEndInst) call(e *event.MessageEnd) (ok bool) {
	defer f.s.Catch("onMessageEnd", &ok)
	f.fn(f.s, e)
	return true
}
