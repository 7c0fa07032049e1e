package filter

import (
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// ReplaceMessage returns a filter that replaces each whole message with what
// r writes to out: events, messages (with pipeline.Emit), or nothing to drop
// it. The message's events are held; at its MessageEnd r gets it complete
// (Body empty, not nil, when there was none). Data outside messages and
// SessionEnd are passed on; a SessionEnd inside a message drops it without
// calling r. A body larger than MaxBodySize (opts, at most one) ends the
// stream with a BufferOverflow SessionEnd.
func ReplaceMessage(r func(s *pipeline.Stream, msg *event.Message, out pipeline.Target), opts ...MessageOptions) pipeline.Filter {
	h := replace(replaceMessageInfo, eachMessage, r)
	h.hold = holdMessage
	o := messageOptions(opts)
	h.maxBody, h.headOnly = o.MaxBodySize, o.HeadOnly
	return h
}

var replaceMessageInfo = pipeline.Info{
	Name:     "replaceMessage",
	Synopsis: "(replacement[, options])",
	Summary:  "Replaces each whole message",
	Params:   []pipeline.Param{replacementParam("each whole message", "the Message"), messageOptionsParam},
}
