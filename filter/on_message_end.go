package filter

import (
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// OnMessageEnd returns a filter that calls fn with each MessageEnd event,
// then passes every event on. fn borrows me: it reads the tail and does not
// change it.
func OnMessageEnd(fn func(s *pipeline.Stream, me *event.MessageEnd)) pipeline.Filter {
	return on(onMessageEndInfo, eachMessageEnd, fn)
}

var onMessageEndInfo = pipeline.Info{
	Name:     "onMessageEnd",
	Synopsis: "(callback)",
	Summary:  "Calls a function with each MessageEnd event",
	Params:   []pipeline.Param{callbackParam("each MessageEnd event")},
}
