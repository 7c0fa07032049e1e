package filter

import (
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// ReplaceMessageEnd returns a filter that replaces each MessageEnd event with
// what r writes to out: for example a last Data then me, or a MessageEnd with
// a new tail. Data, MessageStart and SessionEnd are passed on unchanged.
//
// r runs on the stream's worker and owns me. It writes to out only during the
// call; what it writes is handed over to the next filter, and keeping the
// stream's grammar is up to r: a message whose MessageEnd it drops is left
// open. The filter is shared by every stream of its pipeline, so r may run
// concurrently for streams on different workers. A panic in r ends the stream
// with a runtime-error SessionEnd naming replaceMessageEnd (after anything r
// wrote first); once the stream has ended, r is not called and events are
// dropped. ReplaceMessageEnd panics if r is nil.
func ReplaceMessageEnd(r func(s *pipeline.Stream, me *event.MessageEnd, out pipeline.Target)) pipeline.Filter {
	if r == nil {
		panic("filter: replaceMessageEnd: nil callback")
	}
	return &replaceMessageEnd{r: r}
}

var replaceMessageEndInfo = pipeline.Info{
	Name:     "replaceMessageEnd",
	Synopsis: "(replacement)",
	Summary:  "Replaces each MessageEnd event",
}

type replaceMessageEnd struct {
	r func(*pipeline.Stream, *event.MessageEnd, pipeline.Target)
}

func (*replaceMessageEnd) Info() pipeline.Info { return replaceMessageEndInfo }

func (f *replaceMessageEnd) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	return &replaceMessageEndInst{s: s, next: next, r: f.r}
}

// replaceMessageEndInst is the per-stream instance.
type replaceMessageEndInst struct {
	s    *pipeline.Stream
	next pipeline.Target
	r    func(*pipeline.Stream, *event.MessageEnd, pipeline.Target)
}

func (f *replaceMessageEndInst) Input(evt event.Event) {
	if f.s.Ended() {
		return
	}
	if e, ok := evt.(*event.MessageEnd); ok {
		f.call(e)
		return
	}
	f.next.Input(evt)
}

func (f *replaceMessageEndInst) call(e *event.MessageEnd) (ok bool) {
	defer f.s.Catch("replaceMessageEnd", &ok)
	f.r(f.s, e, f.next)
	return true
}
