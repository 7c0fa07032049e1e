package filter

import (
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// OnData returns a filter that calls fn with each Data event, inside a
// message or not, then passes the event on. MessageStart, MessageEnd and
// SessionEnd are passed on untouched.
//
// fn runs on the stream's worker and borrows d for the call: it reads d and
// does not change it (no Shift); it keeps a d.Clone() to hold on to the bytes.
// The filter is shared by every stream of its pipeline, so fn may run
// concurrently for streams on different workers. A panic in fn ends the
// stream with a runtime-error SessionEnd naming onData, and d is dropped;
// once the stream has ended, fn is not called and events are dropped.
// OnData panics if fn is nil.
func OnData(fn func(s *pipeline.Stream, d *event.Data)) pipeline.Filter {
	if fn == nil {
		panic("filter: onData: nil callback")
	}
	return &onData{fn: fn}
}

var onDataInfo = pipeline.Info{
	Name:     "onData",
	Synopsis: "(callback)",
	Summary:  "Calls a function with each Data event",
}

type onData struct {
	fn func(*pipeline.Stream, *event.Data)
}

func (*onData) Info() pipeline.Info { return onDataInfo }

func (f *onData) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	return &onDataInst{s: s, next: next, fn: f.fn}
}

// onDataInst is the per-stream instance.
type onDataInst struct {
	s    *pipeline.Stream
	next pipeline.Target
	fn   func(*pipeline.Stream, *event.Data)
}

func (f *onDataInst) Input(evt event.Event) {
	if f.s.Ended() {
		return
	}
	if e, ok := evt.(*event.Data); ok && !f.call(e) {
		return
	}
	f.next.Input(evt)
}

func (f *onDataInst) call(e *event.Data) (ok bool) {
	defer f.s.Catch("onData", &ok)
	f.fn(f.s, e)
	return true
}
