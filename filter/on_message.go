package filter

import (
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// OnMessage returns a filter that calls fn with each complete message (head,
// body, tail) at its MessageEnd, and passes every event on as it comes, the
// MessageEnd after fn. The body shares the Data's chunks and is empty, not
// nil, when there was none. Data outside messages is not collected; a
// SessionEnd inside a message drops it without calling fn. A body larger
// than MaxBodySize (opts, at most one) ends the stream with a BufferOverflow
// SessionEnd. fn owns msg but not its head and tail, which were passed on.
func OnMessage(fn func(s *pipeline.Stream, msg *event.Message), opts ...MessageOptions) pipeline.Filter {
	h := on(onMessageInfo, eachMessage, fn)
	o := messageOptions(opts)
	h.maxBody, h.headOnly = o.MaxBodySize, o.HeadOnly
	return h
}

var onMessageInfo = pipeline.Info{
	Name:     "onMessage",
	Synopsis: "(callback[, options])",
	Summary:  "Calls a function with each complete message",
	Params:   []pipeline.Param{callbackParam("each complete Message"), messageOptionsParam},
}
