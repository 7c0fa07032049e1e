package filter

import (
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// ReplaceMessageStart returns a filter that replaces each MessageStart event
// with what r writes to out: typically one MessageStart with a new head, or
// ms itself after changing its head. Data, MessageEnd and SessionEnd are
// passed on unchanged.
//
// r runs on the stream's worker and owns ms. It writes to out only during the
// call; what it writes is handed over to the next filter, and keeping the
// stream's grammar is up to r: writing nothing leaves the message's Data and
// MessageEnd without their start. The filter is shared by every stream of its
// pipeline, so r may run concurrently for streams on different workers. A
// panic in r ends the stream with a runtime-error SessionEnd naming
// replaceMessageStart (after anything r wrote first); once the stream has
// ended, r is not called and events are dropped. ReplaceMessageStart panics
// if r is nil.
func ReplaceMessageStart(r func(s *pipeline.Stream, ms *event.MessageStart, out pipeline.Target)) pipeline.Filter {
	if r == nil {
		panic("filter: replaceMessageStart: nil callback")
	}
	return &replaceMessageStart{r: r}
}

var replaceMessageStartInfo = pipeline.Info{
	Name:     "replaceMessageStart",
	Synopsis: "(replacement)",
	Summary:  "Replaces each MessageStart event",
}

type replaceMessageStart struct {
	r func(*pipeline.Stream, *event.MessageStart, pipeline.Target)
}

func (*replaceMessageStart) Info() pipeline.Info { return replaceMessageStartInfo }

func (f *replaceMessageStart) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	return &replaceMessageStartInst{s: s, next: next, r: f.r}
}

// replaceMessageStartInst is the per-stream instance.
type replaceMessageStartInst struct {
	s    *pipeline.Stream
	next pipeline.Target
	r    func(*pipeline.Stream, *event.MessageStart, pipeline.Target)
}

func (f *replaceMessageStartInst) Input(evt event.Event) {
	if f.s.Ended() {
		return
	}
	if e, ok := evt.(*event.MessageStart); ok {
		f.call(e)
		return
	}
	f.next.Input(evt)
}

func (f *replaceMessageStartInst) call(e *event.MessageStart) (ok bool) {
	defer f.s.Catch("replaceMessageStart", &ok)
	f.r(f.s, e, f.next)
	return true
}
