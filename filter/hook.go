package filter

import (
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// hook is the one implementation of the on* and replace* filters. They
// differ only in which events fire the callback (pick), what the callback
// gets (V: one event, or a whole message) and which events the filter keeps
// from its output (hold); the rest (skipping ended streams, catching panics,
// bounding message bodies) lives here.
type hook[V any] struct {
	info pipeline.Info
	pick func(p *picker, evt event.Event) (v V, fired bool, err error)
	// fire is the callback. It writes what replaces the events it got to
	// out (on* filters write nothing).
	fire func(s *pipeline.Stream, v V, out pipeline.Target)
	hold hold
	// maxBody bounds the bodies of the messages eachMessage collects.
	maxBody int64
}

// hold says which events a hook keeps from its output.
type hold int

const (
	holdNone    hold = iota // every event is passed on, the one that fired after the callback (on*)
	holdFired               // the event that fired is replaced by what the callback writes (replace<Event>)
	holdBody                // a message's Data is held; its end is passed on after the callback (replaceMessageBody)
	holdMessage             // a message's events are held and replaced by what the callback writes (replaceMessage)
)

// picker is the per-stream state of the pick functions.
type picker struct {
	started bool                // firstEvent has fired
	rd      event.MessageReader // eachMessage's message so far
}

// eachEvent fires on every event of type E.
func eachEvent[E event.Event](_ *picker, evt event.Event) (E, bool, error) {
	e, ok := evt.(E)
	return e, ok, nil
}

// firstEvent fires on the stream's first event, whatever its kind.
func firstEvent(p *picker, evt event.Event) (event.Event, bool, error) {
	if p.started {
		return nil, false, nil
	}
	p.started = true
	return evt, true, nil
}

// eachMessage fires with each complete message, at its MessageEnd.
func eachMessage(p *picker, evt event.Event) (*event.Message, bool, error) {
	msg, err := p.rd.Read(evt)
	return msg, msg != nil, err
}

// eachBody fires with each message's complete body, at its MessageEnd.
func eachBody(p *picker, evt event.Event) (*event.Data, bool, error) {
	msg, err := p.rd.Read(evt)
	if msg == nil {
		return nil, false, err
	}
	return msg.Body, true, nil
}

// on returns the hook of an on* filter: fn gets what pick picks, and every
// event is passed on.
func on[V any](info pipeline.Info, pick func(*picker, event.Event) (V, bool, error), fn func(*pipeline.Stream, V)) *hook[V] {
	if fn == nil {
		panic(nilCallback(info))
	}
	return &hook[V]{info: info, pick: pick, fire: func(s *pipeline.Stream, v V, _ pipeline.Target) { fn(s, v) }}
}

// replace returns the hook of a replace* filter: r gets what pick picks and
// writes its replacement to out.
func replace[V any](info pipeline.Info, pick func(*picker, event.Event) (V, bool, error), r func(*pipeline.Stream, V, pipeline.Target)) *hook[V] {
	if r == nil {
		panic(nilCallback(info))
	}
	return &hook[V]{info: info, pick: pick, fire: r, hold: holdFired}
}

// nilCallback is what a constructor given a nil callback panics with.
func nilCallback(info pipeline.Info) string { return "filter: " + info.Name + ": nil callback" }

func (h *hook[V]) Info() pipeline.Info { return h.info }

func (h *hook[V]) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	i := &hookInst[V]{h: h, s: s, next: next}
	i.p.rd.MaxBodySize = h.maxBody
	return i
}

// hookInst is the per-stream instance of a hook.
type hookInst[V any] struct {
	h    *hook[V]
	s    *pipeline.Stream
	next pipeline.Target
	p    picker
}

func (i *hookInst[V]) Input(evt event.Event) {
	if i.s.Ended() {
		return
	}
	held := false
	switch i.h.hold {
	case holdBody:
		_, isData := evt.(*event.Data)
		held = isData && i.p.rd.InMessage()
	case holdMessage:
		switch evt.(type) {
		case *event.MessageStart:
			held = true
		case *event.Data, *event.MessageEnd:
			held = i.p.rd.InMessage()
		}
	}
	v, fired, err := i.h.pick(&i.p, evt)
	if err != nil {
		failTooLarge(i.s, i.h.info.Name, err)
		return
	}
	if fired && (!i.call(v) || i.h.hold == holdFired) {
		return
	}
	if !held {
		i.next.Input(evt)
	}
}

// call runs the callback, reporting false when it panicked (and so ended
// the stream).
func (i *hookInst[V]) call(v V) (ok bool) {
	defer i.s.Catch(i.h.info.Name, &ok)
	i.h.fire(i.s, v, i.next)
	return true
}
