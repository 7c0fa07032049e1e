package filter

import (
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// OnSessionStart returns a filter that calls fn once per stream with the
// stream's initial event: the first event it sees, whatever its kind (Data,
// MessageStart, or even SessionEnd). Every event, the initial one included,
// is passed on unchanged.
//
// fn runs on the stream's worker and borrows evt for the call: it reads it and
// does not change it (it keeps a Clone of a Data it wants later). The filter is
// shared by every stream of its pipeline, so fn may run concurrently for
// streams on different workers. A panic in fn ends the stream with a
// runtime-error SessionEnd naming onSessionStart, and the event is dropped;
// once the stream has ended, fn is not called and events are dropped.
// OnSessionStart panics if fn is nil.
func OnSessionStart(fn func(s *pipeline.Stream, evt event.Event)) pipeline.Filter {
	if fn == nil {
		panic("filter: onSessionStart: nil callback")
	}
	return &onSessionStart{fn: fn}
}

var onSessionStartInfo = pipeline.Info{
	Name:     "onSessionStart",
	Synopsis: "(callback)",
	Summary:  "Calls a function with the stream's initial event",
}

type onSessionStart struct {
	fn func(*pipeline.Stream, event.Event)
}

func (*onSessionStart) Info() pipeline.Info { return onSessionStartInfo }

func (f *onSessionStart) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	return &onSessionStartInst{s: s, next: next, fn: f.fn}
}

// onSessionStartInst is the per-stream instance.
type onSessionStartInst struct {
	s       *pipeline.Stream
	next    pipeline.Target
	fn      func(*pipeline.Stream, event.Event)
	started bool
}

func (f *onSessionStartInst) Input(evt event.Event) {
	if f.s.Ended() {
		return
	}
	if !f.started {
		f.started = true
		if !f.call(evt) {
			return
		}
	}
	f.next.Input(evt)
}

func (f *onSessionStartInst) call(evt event.Event) (ok bool) {
	defer f.s.Catch("onSessionStart", &ok)
	f.fn(f.s, evt)
	return true
}
