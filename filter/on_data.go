package filter

import (
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// OnData returns a filter that calls fn with each Data event, inside a
// message or not, then passes every event on. fn borrows d: it reads it and
// keeps a d.Clone() to hold on to the bytes.
func OnData(fn func(s *pipeline.Stream, d *event.Data)) pipeline.Filter {
	return on(onDataInfo, eachData, fn)
}

// onDataName is the filter's name, a constant for hook.go's fast path.
const onDataName = "onData"

var onDataInfo = pipeline.Info{
	Name:     onDataName,
	Synopsis: "(callback)",
	Summary:  "Calls a function with each Data event",
	Params:   []pipeline.Param{callbackParam("each Data event")},
}
