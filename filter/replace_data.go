package filter

import (
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// ReplaceData returns a filter that replaces each Data event, inside a message
// or not, with what r writes to out: r may write d itself, other events, or
// nothing to drop it. MessageStart, MessageEnd and SessionEnd are passed on
// unchanged.
//
// r runs on the stream's worker and owns d (it may consume it). It writes to
// out only during the call; what it writes is handed over to the next filter,
// and keeping the stream's grammar is up to r (inside a message, write only
// Data). The filter is shared by every stream of its pipeline, so r may run
// concurrently for streams on different workers. A panic in r ends the stream
// with a runtime-error SessionEnd naming replaceData (after anything r wrote
// first); once the stream has ended, r is not called and events are dropped.
// ReplaceData panics if r is nil.
func ReplaceData(r func(s *pipeline.Stream, d *event.Data, out pipeline.Target)) pipeline.Filter {
	if r == nil {
		panic("filter: replaceData: nil callback")
	}
	return &replaceData{r: r}
}

var replaceDataInfo = pipeline.Info{
	Name:     "replaceData",
	Synopsis: "(replacement)",
	Summary:  "Replaces each Data event",
}

type replaceData struct {
	r func(*pipeline.Stream, *event.Data, pipeline.Target)
}

func (*replaceData) Info() pipeline.Info { return replaceDataInfo }

func (f *replaceData) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	return &replaceDataInst{s: s, next: next, r: f.r}
}

// replaceDataInst is the per-stream instance.
type replaceDataInst struct {
	s    *pipeline.Stream
	next pipeline.Target
	r    func(*pipeline.Stream, *event.Data, pipeline.Target)
}

func (f *replaceDataInst) Input(evt event.Event) {
	if f.s.Ended() {
		return
	}
	if e, ok := evt.(*event.Data); ok {
		f.call(e)
		return
	}
	f.next.Input(evt)
}

func (f *replaceDataInst) call(e *event.Data) (ok bool) {
	defer f.s.Catch("replaceData", &ok)
	f.r(f.s, e, f.next)
	return true
}
