package filter

import (
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// OnMessageStart returns a filter that calls fn with each MessageStart
// event, then passes every event on. fn borrows ms: it reads the head and
// does not change it.
func OnMessageStart(fn func(s *pipeline.Stream, ms *event.MessageStart)) pipeline.Filter {
	return on(onMessageStartInfo, eachMessageStart, fn)
}

var onMessageStartInfo = pipeline.Info{
	Name:     "onMessageStart",
	Synopsis: "(callback)",
	Summary:  "Calls a function with each MessageStart event",
	Params:   []pipeline.Param{callbackParam("each MessageStart event")},
}
