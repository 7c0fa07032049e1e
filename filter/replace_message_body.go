package filter

import (
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// ReplaceMessageBody returns a filter that replaces each message's whole body
// with the one r returns. A MessageStart is passed on when it comes and
// begins a new body; the Data inside the message is held (sharing its chunks,
// no copy) instead of passed on; at the MessageEnd r gets the complete body
// (empty, not nil, for a bodiless message), and the body r returns (nil or
// empty for none) is passed on as one Data event, followed by the MessageEnd.
// Data outside messages is passed on unchanged. A SessionEnd in the middle of
// a message drops the unfinished body without calling r, and is passed on.
// A body larger than MaxBodySize (opts, at most one; see MessageOptions)
// ends the stream with a BufferOverflow SessionEnd.
//
// r runs on the stream's worker and owns body: it may change it and return
// it. The body it returns is handed over to the next filter. The filter is
// shared by every stream of its pipeline, so r may run concurrently for
// streams on different workers. A panic in r ends the stream with a
// runtime-error SessionEnd naming replaceMessageBody, and the message's body
// and end are dropped; once the stream has ended, r is not called and events
// are dropped. ReplaceMessageBody panics if r is nil.
func ReplaceMessageBody(r func(s *pipeline.Stream, body *event.Data) *event.Data, opts ...MessageOptions) pipeline.Filter {
	if r == nil {
		panic("filter: replaceMessageBody: nil callback")
	}
	return &replaceMessageBody{r: r, opts: messageOptions(opts)}
}

var replaceMessageBodyInfo = pipeline.Info{
	Name:     "replaceMessageBody",
	Synopsis: "(replacement[, options])",
	Summary:  "Replaces each message's whole body",
}

type replaceMessageBody struct {
	r    func(*pipeline.Stream, *event.Data) *event.Data
	opts MessageOptions
}

func (*replaceMessageBody) Info() pipeline.Info { return replaceMessageBodyInfo }

func (f *replaceMessageBody) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	return &replaceMessageBodyInst{s: s, next: next, r: f.r, rd: event.MessageReader{MaxBodySize: f.opts.MaxBodySize}}
}

// replaceMessageBodyInst is the per-stream instance.
type replaceMessageBodyInst struct {
	s    *pipeline.Stream
	next pipeline.Target
	r    func(*pipeline.Stream, *event.Data) *event.Data
	rd   event.MessageReader
}

func (f *replaceMessageBodyInst) Input(evt event.Event) {
	if f.s.Ended() {
		return
	}
	_, isData := evt.(*event.Data)
	held := isData && f.rd.InMessage()
	msg, ok := readMessage(f.s, "replaceMessageBody", &f.rd, evt)
	switch {
	case !ok || held:
		return
	case msg != nil:
		repl, ok := f.call(msg.Body)
		if !ok {
			return
		}
		if repl != nil && repl.Len() > 0 {
			f.next.Input(repl)
		}
	}
	f.next.Input(evt)
}

func (f *replaceMessageBodyInst) call(body *event.Data) (repl *event.Data, ok bool) {
	defer f.s.Catch("replaceMessageBody", &ok)
	return f.r(f.s, body), true
}
