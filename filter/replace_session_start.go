package filter

import (
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// ReplaceSessionStart returns a filter that replaces each stream's initial
// event (the first event it sees, whatever its kind) with what r writes to
// out: r may write any events, or nothing to drop the initial event. Every
// later event is passed on unchanged.
//
// r runs on the stream's worker and owns evt. It writes to out only during
// the call; what it writes is handed over to the next filter, and keeping the
// stream's grammar is up to r. If the initial event is a SessionEnd and r
// writes none, the stream still ends, with no error. The filter is shared by
// every stream of its pipeline, so r may run concurrently for streams on
// different workers. A panic in r ends the stream with a runtime-error
// SessionEnd naming replaceSessionStart (after anything r wrote first); once
// the stream has ended, r is not called and events are dropped.
// ReplaceSessionStart panics if r is nil.
func ReplaceSessionStart(r func(s *pipeline.Stream, evt event.Event, out pipeline.Target)) pipeline.Filter {
	if r == nil {
		panic("filter: replaceSessionStart: nil callback")
	}
	return &replaceSessionStart{r: r}
}

var replaceSessionStartInfo = pipeline.Info{
	Name:     "replaceSessionStart",
	Synopsis: "(replacement)",
	Summary:  "Replaces the stream's initial event",
}

type replaceSessionStart struct {
	r func(*pipeline.Stream, event.Event, pipeline.Target)
}

func (*replaceSessionStart) Info() pipeline.Info { return replaceSessionStartInfo }

func (f *replaceSessionStart) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	return &replaceSessionStartInst{s: s, next: next, r: f.r}
}

// replaceSessionStartInst is the per-stream instance.
type replaceSessionStartInst struct {
	s       *pipeline.Stream
	next    pipeline.Target
	r       func(*pipeline.Stream, event.Event, pipeline.Target)
	started bool
}

func (f *replaceSessionStartInst) Input(evt event.Event) {
	if f.s.Ended() {
		return
	}
	if f.started {
		f.next.Input(evt)
		return
	}
	f.started = true
	f.call(evt)
}

func (f *replaceSessionStartInst) call(evt event.Event) (ok bool) {
	defer f.s.Catch("replaceSessionStart", &ok)
	f.r(f.s, evt, f.next)
	return true
}
