package filter

import (
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// ReplaceMessageBody returns a filter that replaces each message's whole body
// with the one r returns (nil or empty for none). The MessageStart is passed
// on when it comes; the Data inside the message is held, and at the
// MessageEnd r gets the complete body, which it may change and return; the
// new body goes on as one Data, then the MessageEnd. It collects as
// ReplaceMessage does.
func ReplaceMessageBody(r func(s *pipeline.Stream, body *event.Data) *event.Data, opts ...MessageOptions) pipeline.Filter {
	if r == nil {
		panic(nilCallback(replaceMessageBodyInfo))
	}
	h := replace(replaceMessageBodyInfo, eachBody, func(s *pipeline.Stream, body *event.Data, out pipeline.Target) {
		if repl := r(s, body); repl != nil && repl.Len() > 0 {
			out.Input(repl)
		}
	})
	h.hold = holdBody
	h.maxBody = messageOptions(opts).MaxBodySize
	return h
}

var replaceMessageBodyInfo = pipeline.Info{
	Name:     "replaceMessageBody",
	Synopsis: "(replacement[, options])",
	Summary:  "Replaces each message's whole body",
	Params: []pipeline.Param{
		{Name: "replacement", Type: "string|Data|function", Doc: "The new body, or a function of the old body (Data) returning it"},
		messageOptionsParam,
	},
}
