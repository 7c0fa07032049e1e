package filter

import (
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// OnMessageBody returns a filter that calls fn with each message's complete
// body, and passes every event on as it comes. A MessageStart begins a new
// body; each Data inside the message is added to it (sharing its chunks, no
// copy) and passed on; at the MessageEnd fn gets the body (empty, not nil,
// for a bodiless message), then the MessageEnd is passed on. Data outside
// messages is passed on and not collected. A SessionEnd in the middle of a
// message drops the unfinished body without calling fn, and is passed on.
//
// fn runs on the stream's worker and owns body: it may keep or consume it.
// The filter is shared by every stream of its pipeline, so fn may run
// concurrently for streams on different workers. A panic in fn ends the
// stream with a runtime-error SessionEnd naming onMessageBody, and the
// MessageEnd is dropped; once the stream has ended, fn is not called and
// events are dropped. OnMessageBody panics if fn is nil.
func OnMessageBody(fn func(s *pipeline.Stream, body *event.Data)) pipeline.Filter {
	if fn == nil {
		panic("filter: onMessageBody: nil callback")
	}
	return &onMessageBody{fn: fn}
}

var onMessageBodyInfo = pipeline.Info{
	Name:     "onMessageBody",
	Synopsis: "(callback)",
	Summary:  "Calls a function with each message's complete body",
}

type onMessageBody struct {
	fn func(*pipeline.Stream, *event.Data)
}

func (*onMessageBody) Info() pipeline.Info { return onMessageBodyInfo }

func (f *onMessageBody) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	return &onMessageBodyInst{s: s, next: next, fn: f.fn}
}

// onMessageBodyInst is the per-stream instance.
type onMessageBodyInst struct {
	s    *pipeline.Stream
	next pipeline.Target
	fn   func(*pipeline.Stream, *event.Data)
	body *event.Data // the body so far; nil outside a message
}

func (f *onMessageBodyInst) Input(evt event.Event) {
	if f.s.Ended() {
		return
	}
	switch e := evt.(type) {
	case *event.MessageStart:
		f.body = event.NewData()
	case *event.Data:
		if f.body != nil {
			f.body.PushData(e)
		}
	case *event.MessageEnd:
		if body := f.body; body != nil {
			f.body = nil
			if !f.call(body) {
				return
			}
		}
	case *event.SessionEnd:
		f.body = nil
	}
	f.next.Input(evt)
}

func (f *onMessageBodyInst) call(body *event.Data) (ok bool) {
	defer f.s.Catch("onMessageBody", &ok)
	f.fn(f.s, body)
	return true
}
