package filter

import (
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// ReplaceSessionEnd returns a filter that replaces the SessionEnd event with
// what r writes to out: a farewell Data, say, or a SessionEnd of another
// kind. If r writes no SessionEnd, the stream still ends, with no error,
// once nothing holds the one that came in (a SessionEnd made by a filter
// before this one ends nothing when dropped).
func ReplaceSessionEnd(r func(s *pipeline.Stream, se *event.SessionEnd, out pipeline.Target)) pipeline.Filter {
	return replace(replaceSessionEndInfo, eachSessionEnd, r)
}

var replaceSessionEndInfo = pipeline.Info{
	Name:     "replaceSessionEnd",
	Synopsis: "(replacement)",
	Summary:  "Replaces the SessionEnd event",
	Params:   []pipeline.Param{replacementParam("the SessionEnd event", "it")},
}
