package filter

import (
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// ReplaceSessionEnd returns a filter that replaces the SessionEnd event with
// what r writes to out: for example a farewell Data, or a SessionEnd of
// another kind. Data, MessageStart and MessageEnd are passed on unchanged.
//
// If r writes no SessionEnd, the stream still ends once the SessionEnd that
// went into it has been handled and no filter holds it: the output then gets a
// SessionEnd with no error (a SessionEnd that came from a filter before this
// one, not from the stream's input, ends nothing when dropped). r runs on the
// stream's worker and owns se. It writes to out only during the call; what it
// writes is handed over to the next filter. The filter is shared by every
// stream of its pipeline, so r may run concurrently for streams on different
// workers. A panic in r ends the stream with a runtime-error SessionEnd naming
// replaceSessionEnd; once the stream has ended, r is not called and events
// are dropped. ReplaceSessionEnd panics if r is nil.
func ReplaceSessionEnd(r func(s *pipeline.Stream, se *event.SessionEnd, out pipeline.Target)) pipeline.Filter {
	if r == nil {
		panic("filter: replaceSessionEnd: nil callback")
	}
	return &replaceSessionEnd{r: r}
}

var replaceSessionEndInfo = pipeline.Info{
	Name:     "replaceSessionEnd",
	Synopsis: "(replacement)",
	Summary:  "Replaces the SessionEnd event",
}

type replaceSessionEnd struct {
	r func(*pipeline.Stream, *event.SessionEnd, pipeline.Target)
}

func (*replaceSessionEnd) Info() pipeline.Info { return replaceSessionEndInfo }

func (f *replaceSessionEnd) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	return &replaceSessionEndInst{s: s, next: next, r: f.r}
}

// replaceSessionEndInst is the per-stream instance.
type replaceSessionEndInst struct {
	s    *pipeline.Stream
	next pipeline.Target
	r    func(*pipeline.Stream, *event.SessionEnd, pipeline.Target)
}

func (f *replaceSessionEndInst) Input(evt event.Event) {
	if f.s.Ended() {
		return
	}
	if e, ok := evt.(*event.SessionEnd); ok {
		f.call(e)
		return
	}
	f.next.Input(evt)
}

func (f *replaceSessionEndInst) call(e *event.SessionEnd) (ok bool) {
	defer f.s.Catch("replaceSessionEnd", &ok)
	f.r(f.s, e, f.next)
	return true
}
