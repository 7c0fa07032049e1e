package filter

import (
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// ReplaceMessage returns a filter that replaces each whole message with what
// r writes to out. The message's events, MessageStart through MessageEnd, are
// held and not passed on; at the MessageEnd r gets the complete message (head,
// body, tail; Body empty, not nil, when there was none) and writes its
// replacement: events, whole messages with pipeline.Emit, or nothing to drop
// the message. Data outside messages and SessionEnd are passed on unchanged; a
// SessionEnd in the middle of a message drops the unfinished message without
// calling r. A body larger than MaxBodySize (opts, at most one; see
// MessageOptions) ends the stream with a BufferOverflow SessionEnd.
//
// r runs on the stream's worker and owns msg. It writes to out only during the
// call; what it writes is handed over to the next filter, and keeping the
// stream's grammar is up to r. The filter is shared by every stream of its
// pipeline, so r may run concurrently for streams on different workers. A
// panic in r ends the stream with a runtime-error SessionEnd naming
// replaceMessage (after anything r wrote first); once the stream has ended, r
// is not called and events are dropped. ReplaceMessage panics if r is nil.
func ReplaceMessage(r func(s *pipeline.Stream, msg *event.Message, out pipeline.Target), opts ...MessageOptions) pipeline.Filter {
	if r == nil {
		panic("filter: replaceMessage: nil callback")
	}
	return &replaceMessage{r: r, opts: messageOptions(opts)}
}

var replaceMessageInfo = pipeline.Info{
	Name:     "replaceMessage",
	Synopsis: "(replacement[, options])",
	Summary:  "Replaces each whole message",
}

type replaceMessage struct {
	r    func(*pipeline.Stream, *event.Message, pipeline.Target)
	opts MessageOptions
}

func (*replaceMessage) Info() pipeline.Info { return replaceMessageInfo }

func (f *replaceMessage) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	return &replaceMessageInst{s: s, next: next, r: f.r, rd: event.MessageReader{MaxBodySize: f.opts.MaxBodySize}}
}

// replaceMessageInst is the per-stream instance.
type replaceMessageInst struct {
	s    *pipeline.Stream
	next pipeline.Target
	r    func(*pipeline.Stream, *event.Message, pipeline.Target)
	rd   event.MessageReader
}

func (f *replaceMessageInst) Input(evt event.Event) {
	if f.s.Ended() {
		return
	}
	held := false // the event is part of a message being collected
	switch evt.(type) {
	case *event.MessageStart:
		held = true
	case *event.Data, *event.MessageEnd:
		held = f.rd.InMessage()
	}
	msg, ok := readMessage(f.s, "replaceMessage", &f.rd, evt)
	switch {
	case !ok:
	case msg != nil:
		f.call(msg)
	case !held:
		f.next.Input(evt)
	}
}

func (f *replaceMessageInst) call(msg *event.Message) (ok bool) {
	defer f.s.Catch("replaceMessage", &ok)
	f.r(f.s, msg, f.next)
	return true
}
