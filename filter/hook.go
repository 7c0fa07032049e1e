package filter

import (
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// hook is the one implementation of the on* and replace* filters. They
// differ only in which events fire the callback (pick), what the callback
// gets (an event, a message or a body), whether it observes or replaces,
// and which events the filter keeps from its output (hold); the rest
// (skipping ended streams, catching panics, collecting messages within
// their bound) lives here. The callbacks take any so that the instance is
// not generic: a generic one is reached through a wrapper, which made
// BenchmarkObserverChain10 a fifth slower again.
type hook struct {
	info pipeline.Info
	pick pick
	// observe calls an on* callback, reporting false when it panicked (and
	// so ended the stream); every event is passed on, the one that fired
	// after the callback.
	observe func(s *pipeline.Stream, v any) (ok bool)
	// replace calls a replace* callback, which writes to out what replaces
	// the events held; false when it panicked.
	replace func(s *pipeline.Stream, v any, out pipeline.Target) (ok bool)
	hold    hold
	// maxBody bounds the messages eachMessage and eachBody collect.
	maxBody int64
}

// pick says which events fire a hook, and with what.
type pick int

const (
	eachData         pick = iota // every Data event
	eachMessageStart             // every MessageStart event
	eachMessageEnd               // every MessageEnd event
	eachSessionEnd               // every SessionEnd event
	firstEvent                   // the stream's first event, whatever its kind
	eachMessage                  // each complete message (*event.Message), at its MessageEnd
	eachBody                     // each message's complete body (*event.Data), at its MessageEnd
)

// hold says which events a replace* hook keeps from its output: the event
// that fired, unless it collects messages.
type hold int

const (
	holdBody    hold = iota + 1 // the Data inside a message; its MessageEnd goes on after the callback (replaceMessageBody)
	holdMessage                 // every event of a message (replaceMessage)
)

// on returns the hook of an on* filter; V is what p picks.
func on[V any](info pipeline.Info, p pick, fn func(*pipeline.Stream, V)) *hook {
	if fn == nil {
		panic(nilCallback(info))
	}
	return &hook{info: info, pick: p, observe: func(s *pipeline.Stream, v any) (ok bool) {
		defer s.Catch(info.Name, &ok)
		fn(s, v.(V))
		return true
	}}
}

// replace returns the hook of a replace* filter; V is what p picks.
func replace[V any](info pipeline.Info, p pick, r func(*pipeline.Stream, V, pipeline.Target)) *hook {
	if r == nil {
		panic(nilCallback(info))
	}
	return &hook{info: info, pick: p, replace: func(s *pipeline.Stream, v any, out pipeline.Target) (ok bool) {
		defer s.Catch(info.Name, &ok)
		r(s, v.(V), out)
		return true
	}}
}

// nilCallback is what a constructor given a nil callback panics with.
func nilCallback(info pipeline.Info) string { return "filter: " + info.Name + ": nil callback" }

func (h *hook) Info() pipeline.Info { return h.info }

func (h *hook) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	i := &hookInst{h: h, s: s, next: next, pick: h.pick, observe: h.observe, replace: h.replace}
	i.rd.MaxBodySize = h.maxBody
	return i
}

// hookInst is the per-stream instance of a hook.
type hookInst struct {
	h       *hook
	s       *pipeline.Stream
	next    pipeline.Target
	pick    pick                                                   // h's, copied: read on every event
	observe func(*pipeline.Stream, any) (ok bool)                  // h's, copied
	replace func(*pipeline.Stream, any, pipeline.Target) (ok bool) // h's, copied
	started bool                                                   // firstEvent has fired
	rd      event.MessageReader                                    // the message being collected
}

func (i *hookInst) Input(evt event.Event) {
	if i.s.Ended() {
		return
	}
	fired := false
	switch i.pick {
	case eachData:
		_, fired = evt.(*event.Data)
	case eachMessageStart:
		_, fired = evt.(*event.MessageStart)
	case eachMessageEnd:
		_, fired = evt.(*event.MessageEnd)
	case eachSessionEnd:
		_, fired = evt.(*event.SessionEnd)
	case firstEvent:
		fired = !i.started
		i.started = true
	default:
		i.inputMessage(evt)
		return
	}
	if !fired {
		i.next.Input(evt)
	} else if i.observe != nil {
		if i.observe(i.s, evt) {
			i.next.Input(evt)
		}
	} else {
		i.replace(i.s, evt, i.next)
	}
}

// inputMessage is Input for the hooks that collect messages.
func (i *hookInst) inputMessage(evt event.Event) {
	held := false
	if i.replace != nil {
		switch evt.(type) {
		case *event.MessageStart:
			held = i.h.hold == holdMessage
		case *event.Data:
			held = i.rd.InMessage()
		case *event.MessageEnd:
			held = i.h.hold == holdMessage && i.rd.InMessage()
		}
	}
	msg, err := i.rd.Read(evt)
	if err != nil {
		failTooLarge(i.s, i.h.info.Name, err)
		return
	}
	if msg != nil {
		var v any = msg
		if i.h.pick == eachBody {
			v = msg.Body
		}
		if i.observe != nil && !i.observe(i.s, v) || i.replace != nil && !i.replace(i.s, v, i.next) {
			return
		}
	}
	if !held {
		i.next.Input(evt)
	}
}
