package filter

import (
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// OnSessionEnd returns a filter that calls fn with each SessionEnd event
// (one per stream, unless a filter before this one makes more), then passes
// every event on. fn borrows se: it reads it and does not change it.
func OnSessionEnd(fn func(s *pipeline.Stream, se *event.SessionEnd)) pipeline.Filter {
	return on(onSessionEndInfo, eachSessionEnd, fn)
}

var onSessionEndInfo = pipeline.Info{
	Name:     "onSessionEnd",
	Synopsis: "(callback)",
	Summary:  "Calls a function with the SessionEnd event",
	Params:   []pipeline.Param{callbackParam("the SessionEnd event")},
}
