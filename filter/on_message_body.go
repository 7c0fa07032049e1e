package filter

import (
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// OnMessageBody returns a filter that calls fn with each message's complete
// body at its MessageEnd, and passes every event on as it comes, the
// MessageEnd after fn. It collects as OnMessage does; fn owns body and may
// keep or consume it.
func OnMessageBody(fn func(s *pipeline.Stream, body *event.Data), opts ...MessageOptions) pipeline.Filter {
	h := on(onMessageBodyInfo, eachBody, fn)
	h.maxBody = messageOptions(opts).MaxBodySize
	return h
}

var onMessageBodyInfo = pipeline.Info{
	Name:     "onMessageBody",
	Synopsis: "(callback[, options])",
	Summary:  "Calls a function with each message's complete body",
	Params:   []pipeline.Param{callbackParam("each message's complete body, as Data"), messageOptionsParam},
}
