package filter

import (
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// ReplaceMessageEnd returns a filter that replaces each MessageEnd event with
// what r writes to out: for example a last Data then me, or a MessageEnd
// with a new tail. Writing nothing leaves the message open.
func ReplaceMessageEnd(r func(s *pipeline.Stream, me *event.MessageEnd, out pipeline.Target)) pipeline.Filter {
	return replace(replaceMessageEndInfo, eachMessageEnd, r)
}

var replaceMessageEndInfo = pipeline.Info{
	Name:     "replaceMessageEnd",
	Synopsis: "(replacement)",
	Summary:  "Replaces each MessageEnd event",
	Params:   []pipeline.Param{replacementParam("each MessageEnd event", "it")},
}
