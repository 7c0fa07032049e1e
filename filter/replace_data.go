package filter

import (
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// ReplaceData returns a filter that replaces each Data event, inside a
// message or not, with what r writes to out: d itself, other events, or
// nothing to drop it. Inside a message, r keeps the stream's grammar by
// writing only Data.
func ReplaceData(r func(s *pipeline.Stream, d *event.Data, out pipeline.Target)) pipeline.Filter {
	return replace(replaceDataInfo, eachData, r)
}

// replaceDataName is the filter's name, a constant for hook.go's fast path.
const replaceDataName = "replaceData"

var replaceDataInfo = pipeline.Info{
	Name:     replaceDataName,
	Synopsis: "(replacement)",
	Summary:  "Replaces each Data event",
	Params:   []pipeline.Param{replacementParam("each Data event", "it")},
}
