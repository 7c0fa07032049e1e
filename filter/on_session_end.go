package filter

import (
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// OnSessionEnd returns a filter that calls fn with the SessionEnd event (there
// is one per stream, unless a filter before this one makes more), then passes
// it on. Data, MessageStart and MessageEnd are passed on untouched.
//
// fn runs on the stream's worker and borrows se for the call: it reads it and
// does not change it. The filter is shared by every stream of its pipeline, so
// fn may run concurrently for streams on different workers. A panic in fn ends
// the stream with a runtime-error SessionEnd naming onSessionEnd instead; once
// the stream has ended, fn is not called and events are dropped. OnSessionEnd
// panics if fn is nil.
func OnSessionEnd(fn func(s *pipeline.Stream, se *event.SessionEnd)) pipeline.Filter {
	if fn == nil {
		panic("filter: onSessionEnd: nil callback")
	}
	return &onSessionEnd{fn: fn}
}

var onSessionEndInfo = pipeline.Info{
	Name:     "onSessionEnd",
	Synopsis: "(callback)",
	Summary:  "Calls a function with the SessionEnd event",
}

type onSessionEnd struct {
	fn func(*pipeline.Stream, *event.SessionEnd)
}

func (*onSessionEnd) Info() pipeline.Info { return onSessionEndInfo }

func (f *onSessionEnd) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	return &onSessionEndInst{s: s, next: next, fn: f.fn}
}

// onSessionEndInst is the per-stream instance.
type onSessionEndInst struct {
	s    *pipeline.Stream
	next pipeline.Target
	fn   func(*pipeline.Stream, *event.SessionEnd)
}

func (f *onSessionEndInst) Input(evt event.Event) {
	if f.s.Ended() {
		return
	}
	if e, ok := evt.(*event.SessionEnd); ok && !f.call(e) {
		return
	}
	f.next.Input(evt)
}

func (f *onSessionEndInst) call(e *event.SessionEnd) (ok bool) {
	defer f.s.Catch("onSessionEnd", &ok)
	f.fn(f.s, e)
	return true
}
