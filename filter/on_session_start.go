package filter

import (
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// OnSessionStart returns a filter that calls fn once per stream with its
// initial event, the first one the filter sees whatever its kind (Data,
// MessageStart, even SessionEnd), then passes every event on. fn borrows
// evt: it reads it and keeps a Clone of a Data it wants later.
func OnSessionStart(fn func(s *pipeline.Stream, evt event.Event)) pipeline.Filter {
	return on(onSessionStartInfo, firstEvent, fn)
}

var onSessionStartInfo = pipeline.Info{
	Name:     "onSessionStart",
	Synopsis: "(callback)",
	Summary:  "Calls a function with the stream's initial event",
	Params:   []pipeline.Param{callbackParam("the stream's initial event")},
}
