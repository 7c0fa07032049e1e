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
// calling r.
//
// r runs on the stream's worker and owns msg. It writes to out only during the
// call; what it writes is handed over to the next filter, and keeping the
// stream's grammar is up to r. The filter is shared by every stream of its
// pipeline, so r may run concurrently for streams on different workers. A
// panic in r ends the stream with a runtime-error SessionEnd naming
// replaceMessage (after anything r wrote first); once the stream has ended, r
// is not called and events are dropped. ReplaceMessage panics if r is nil.
func ReplaceMessage(r func(s *pipeline.Stream, msg *event.Message, out pipeline.Target)) pipeline.Filter {
	if r == nil {
		panic("filter: replaceMessage: nil callback")
	}
	return &replaceMessage{r: r}
}

var replaceMessageInfo = pipeline.Info{
	Name:     "replaceMessage",
	Synopsis: "(replacement)",
	Summary:  "Replaces each whole message",
}

type replaceMessage struct {
	r func(*pipeline.Stream, *event.Message, pipeline.Target)
}

func (*replaceMessage) Info() pipeline.Info { return replaceMessageInfo }

func (f *replaceMessage) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	return &replaceMessageInst{s: s, next: next, r: f.r}
}

// replaceMessageInst is the per-stream instance.
type replaceMessageInst struct {
	s    *pipeline.Stream
	next pipeline.Target
	r    func(*pipeline.Stream, *event.Message, pipeline.Target)
	msg  *event.Message // the message so far; nil outside a message
}

func (f *replaceMessageInst) Input(evt event.Event) {
	if f.s.Ended() {
		return
	}
	switch e := evt.(type) {
	case *event.MessageStart:
		f.msg = &event.Message{Head: e.Head, Body: event.NewData()}
		return
	case *event.Data:
		if f.msg != nil {
			f.msg.Body.PushData(e)
			return
		}
	case *event.MessageEnd:
		if msg := f.msg; msg != nil {
			f.msg = nil
			msg.Tail = e.Tail
			f.call(msg)
			return
		}
	case *event.SessionEnd:
		f.msg = nil
	}
	f.next.Input(evt)
}

func (f *replaceMessageInst) call(msg *event.Message) (ok bool) {
	defer f.s.Catch("replaceMessage", &ok)
	f.r(f.s, msg, f.next)
	return true
}
