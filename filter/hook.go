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
// their bound) lives here.
//
// The callback is kept with its own type, in the one field of its pick (the
// others stay nil), so that the per-event path is what a hand-written filter
// does: a type check on the event, and a direct call only when the event's
// kind has a callback; no adapter, no conversion to any, no indirect call
// per event. The single-kind callbacks are read on every event, so they are
// copied into each instance; Data, the hot kind, has the shortest path.
type hook struct {
	info pipeline.Info
	pick pick
	kind kindFns // eachData, eachMessageStart, eachMessageEnd, eachSessionEnd
	// The callbacks of the other picks.
	onFirst        func(*pipeline.Stream, event.Event)
	replaceFirst   func(*pipeline.Stream, event.Event, pipeline.Target)
	onMessage      func(*pipeline.Stream, *event.Message)
	replaceMessage func(*pipeline.Stream, *event.Message, pipeline.Target)
	onBody         func(*pipeline.Stream, *event.Data)
	replaceBody    func(*pipeline.Stream, *event.Data, pipeline.Target)
	hold           hold
	// maxBody bounds the messages eachMessage and eachBody collect.
	maxBody int64
	// headOnly: eachMessage's callback reads heads only (MessageOptions).
	headOnly bool
}

// kindFns holds the callback of a hook that fires on one kind of event:
// an on* callback observes the event, which goes on after it; a replace*
// callback writes to out what replaces it. At most one field is set.
type kindFns struct {
	onData              func(*pipeline.Stream, *event.Data)
	replaceData         func(*pipeline.Stream, *event.Data, pipeline.Target)
	onMessageStart      func(*pipeline.Stream, *event.MessageStart)
	replaceMessageStart func(*pipeline.Stream, *event.MessageStart, pipeline.Target)
	onMessageEnd        func(*pipeline.Stream, *event.MessageEnd)
	replaceMessageEnd   func(*pipeline.Stream, *event.MessageEnd, pipeline.Target)
	onSessionEnd        func(*pipeline.Stream, *event.SessionEnd)
	replaceSessionEnd   func(*pipeline.Stream, *event.SessionEnd, pipeline.Target)
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
	h := &hook{info: info, pick: p}
	switch f := any(fn).(type) {
	case func(*pipeline.Stream, *event.Data):
		if p == eachBody {
			h.onBody = f
		} else {
			h.kind.onData = f
		}
	case func(*pipeline.Stream, *event.MessageStart):
		h.kind.onMessageStart = f
	case func(*pipeline.Stream, *event.MessageEnd):
		h.kind.onMessageEnd = f
	case func(*pipeline.Stream, *event.SessionEnd):
		h.kind.onSessionEnd = f
	case func(*pipeline.Stream, event.Event):
		h.onFirst = f
	case func(*pipeline.Stream, *event.Message):
		h.onMessage = f
	}
	return h
}

// replace returns the hook of a replace* filter; V is what p picks.
func replace[V any](info pipeline.Info, p pick, r func(*pipeline.Stream, V, pipeline.Target)) *hook {
	if r == nil {
		panic(nilCallback(info))
	}
	h := &hook{info: info, pick: p}
	switch f := any(r).(type) {
	case func(*pipeline.Stream, *event.Data, pipeline.Target):
		if p == eachBody {
			h.replaceBody = f
		} else {
			h.kind.replaceData = f
		}
	case func(*pipeline.Stream, *event.MessageStart, pipeline.Target):
		h.kind.replaceMessageStart = f
	case func(*pipeline.Stream, *event.MessageEnd, pipeline.Target):
		h.kind.replaceMessageEnd = f
	case func(*pipeline.Stream, *event.SessionEnd, pipeline.Target):
		h.kind.replaceSessionEnd = f
	case func(*pipeline.Stream, event.Event, pipeline.Target):
		h.replaceFirst = f
	case func(*pipeline.Stream, *event.Message, pipeline.Target):
		h.replaceMessage = f
	}
	return h
}

// nilCallback is what a constructor given a nil callback panics with.
func nilCallback(info pipeline.Info) string { return "filter: " + info.Name + ": nil callback" }

func (h *hook) Info() pipeline.Info { return h.info }

func (h *hook) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	i := &hookInst{h: h, s: s, next: next, kindFns: h.kind, slow: h.pick >= firstEvent}
	i.rd.MaxBodySize, i.rd.HeadOnly = h.maxBody, h.headOnly
	return i
}

// hookInst is the per-stream instance of a hook.
type hookInst struct {
	kindFns // h's, copied: read on every event
	h       *hook
	s       *pipeline.Stream
	next    pipeline.Target
	// slow sends the events that fire no kind callback to inputSlow: set
	// while a firstEvent hook waits for its event, and for the hooks that
	// collect messages.
	slow bool
	rd   event.MessageReader // the message being collected
}

func (i *hookInst) Input(evt event.Event) {
	if i.s.Ended() {
		return
	}
	// Data, the hot kind, is handled here and the rest in inputKinds: a
	// smaller Input spills less on its way to the callback.
	if d, ok := evt.(*event.Data); ok {
		if i.onData != nil {
			if i.observeData(d) {
				i.next.Input(evt)
			}
			return
		}
		if i.replaceData != nil {
			i.substituteData(d)
			return
		}
		if !i.slow {
			i.next.Input(evt)
			return
		}
	}
	i.inputKinds(evt)
}

// inputKinds is Input for the events other than Data, and for the Data that
// inputSlow takes. One itab comparison per kind: a type switch of four cases
// first hashes the type and searches.
func (i *hookInst) inputKinds(evt event.Event) {
	if e, ok := evt.(*event.MessageStart); ok {
		if fire(i, evt, e, i.onMessageStart, i.replaceMessageStart) {
			return
		}
	} else if e, ok := evt.(*event.MessageEnd); ok {
		if fire(i, evt, e, i.onMessageEnd, i.replaceMessageEnd) {
			return
		}
	} else if e, ok := evt.(*event.SessionEnd); ok {
		if fire(i, evt, e, i.onSessionEnd, i.replaceSessionEnd) {
			return
		}
	}
	if i.slow {
		i.inputSlow(evt)
		return
	}
	i.next.Input(evt)
}

// fire calls the callback, fn or r, that a hook has for v, the event evt of
// one kind, and reports whether it had one. An observed event goes on after
// fn; a replaced one is what r writes.
func fire[V any](i *hookInst, evt event.Event, v V, fn func(*pipeline.Stream, V), r func(*pipeline.Stream, V, pipeline.Target)) bool {
	if fn != nil {
		if observe(i, fn, v) {
			i.next.Input(evt)
		}
		return true
	}
	if r != nil {
		substitute(i, r, v)
		return true
	}
	return false
}

// observeData is observe for onData, the hottest hook (every Data event of
// a stream): a method reading the callback from i, it needs neither the
// generic function's dictionary nor the callback as an argument, which
// keeps BenchmarkObserverChain10 near the hand-written filter's cost.
func (i *hookInst) observeData(d *event.Data) (ok bool) {
	defer i.s.Catch(onDataName, &ok) // a constant: a loaded name costs the defer 6 instructions
	i.onData(i.s, d)
	return true
}

// substituteData is substitute for replaceData, for the same reason.
func (i *hookInst) substituteData(d *event.Data) (ok bool) {
	defer i.s.Catch(replaceDataName, &ok)
	i.replaceData(i.s, d, i.next)
	return true
}

// observe calls an on* callback, reporting false when it panicked (and so
// ended the stream).
func observe[V any](i *hookInst, fn func(*pipeline.Stream, V), v V) (ok bool) {
	defer i.s.Catch(i.h.info.Name, &ok)
	fn(i.s, v)
	return true
}

// substitute calls a replace* callback, which writes to the next filter
// what replaces v; false when it panicked.
func substitute[V any](i *hookInst, r func(*pipeline.Stream, V, pipeline.Target), v V) (ok bool) {
	defer i.s.Catch(i.h.info.Name, &ok)
	r(i.s, v, i.next)
	return true
}

// inputSlow is Input for firstEvent hooks until their event, and for the
// hooks that collect messages.
func (i *hookInst) inputSlow(evt event.Event) {
	h := i.h
	if h.pick == firstEvent {
		i.slow = false
		if h.onFirst != nil {
			if observe(i, h.onFirst, evt) {
				i.next.Input(evt)
			}
		} else {
			substitute(i, h.replaceFirst, evt)
		}
		return
	}
	held := false
	if h.hold != 0 {
		switch evt.(type) {
		case *event.MessageStart:
			held = h.hold == holdMessage
		case *event.Data:
			held = i.rd.InMessage()
		case *event.MessageEnd:
			held = h.hold == holdMessage && i.rd.InMessage()
		}
	}
	msg, err := i.rd.Read(evt)
	if err != nil {
		failTooLarge(i.s, h.info.Name, err)
		return
	}
	if msg != nil {
		ok := true
		switch {
		case h.onMessage != nil:
			ok = observe(i, h.onMessage, msg)
		case h.onBody != nil:
			ok = observe(i, h.onBody, msg.Body)
		case h.replaceMessage != nil:
			ok = substitute(i, h.replaceMessage, msg)
		default:
			ok = substitute(i, h.replaceBody, msg.Body)
		}
		if !ok {
			return
		}
	}
	if !held {
		i.next.Input(evt)
	}
}
