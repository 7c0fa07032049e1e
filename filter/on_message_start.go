package filter

import (
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// OnMessageStart returns a filter that calls fn with each MessageStart event,
// then passes it on. Data, MessageEnd and SessionEnd are passed on untouched.
//
// fn runs on the stream's worker and borrows ms for the call: it may read the
// head but does not change it. The filter is shared by every stream of its
// pipeline, so fn may run concurrently for streams on different workers. A
// panic in fn ends the stream with a runtime-error SessionEnd naming
// onMessageStart, and ms is dropped; once the stream has ended, fn is not
// called and events are dropped. OnMessageStart panics if fn is nil.
func OnMessageStart(fn func(s *pipeline.Stream, ms *event.MessageStart)) pipeline.Filter {
	if fn == nil {
		panic("filter: onMessageStart: nil callback")
	}
	return &onMessageStart{fn: fn}
}

var onMessageStartInfo = pipeline.Info{
	Name:     "onMessageStart",
	Synopsis: "(callback)",
	Summary:  "Calls a function with each MessageStart event",
}

type onMessageStart struct {
	fn func(*pipeline.Stream, *event.MessageStart)
}

func (*onMessageStart) Info() pipeline.Info { return onMessageStartInfo }

func (f *onMessageStart) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	return &onMessageStartInst{s: s, next: next, fn: f.fn}
}

// onMessageStartInst is the per-stream instance.
type onMessageStartInst struct {
	s    *pipeline.Stream
	next pipeline.Target
	fn   func(*pipeline.Stream, *event.MessageStart)
}

func (f *onMessageStartInst) Input(evt event.Event) {
	if f.s.Ended() {
		return
	}
	if e, ok := evt.(*event.MessageStart); ok && !f.call(e) {
		return
	}
	f.next.Input(evt)
}

func (f *onMessageStartInst) call(e *event.MessageStart) (ok bool) {
	defer f.s.Catch("onMessageStart", &ok)
	f.fn(f.s, e)
	return true
}
