package filter

import (
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// ReplaceMessageStart returns a filter that replaces each MessageStart event
// with what r writes to out: typically a MessageStart with a new head, or ms
// itself after changing its head. Writing nothing leaves the message's Data
// and MessageEnd without their start.
func ReplaceMessageStart(r func(s *pipeline.Stream, ms *event.MessageStart, out pipeline.Target)) pipeline.Filter {
	return replace(replaceMessageStartInfo, eachMessageStart, r)
}

var replaceMessageStartInfo = pipeline.Info{
	Name:     "replaceMessageStart",
	Synopsis: "(replacement)",
	Summary:  "Replaces each MessageStart event",
	Params:   []pipeline.Param{replacementParam("each MessageStart event", "it")},
}
