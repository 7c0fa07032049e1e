package filter

import (
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// ReplaceSessionStart returns a filter that replaces each stream's initial
// event (the first one it sees, whatever its kind) with what r writes to
// out, or drops it if r writes nothing. If that event is a SessionEnd and r
// writes none, the stream still ends, with no error.
func ReplaceSessionStart(r func(s *pipeline.Stream, evt event.Event, out pipeline.Target)) pipeline.Filter {
	return replace(replaceSessionStartInfo, firstEvent, r)
}

var replaceSessionStartInfo = pipeline.Info{
	Name:     "replaceSessionStart",
	Synopsis: "(replacement)",
	Summary:  "Replaces the stream's initial event",
	Params:   []pipeline.Param{replacementParam("the initial event", "it")},
}
