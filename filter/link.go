package filter

import (
	"fmt"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// Link returns a filter that sends its stream's events into a sub-stream of
// a pipeline chosen by condition, and passes what that sub-stream outputs on
// as its own (Pipy's link).
//
// On the first event the targets are tried in order: the first whose When
// returns true, or that has no When, is chosen. Until one is chosen every
// event, of any kind, is buffered, and the conditions are tried again on each
// new event, since a later event may make one true. Once a target is chosen,
// a stream of its pipeline starts in the same context (with the same Data),
// receives the buffered events in order and then every later one; its
// output, SessionEnd included, is this filter's output. When a SessionEnd
// arrives and still no target is chosen, the buffer is dropped and the
// SessionEnd is passed on.
//
// The stream is held while the sub-stream runs, and the sub-stream is closed
// when the stream ends. Targets given by name
// are resolved when their module is built (see pipeline.Binder): an unknown
// name fails the build. Link panics when given no target.
func Link(targets ...LinkTarget) pipeline.Filter {
	if len(targets) == 0 {
		panic("filter: link: no target")
	}
	return &link{targets: append([]LinkTarget(nil), targets...)}
}

// LinkTarget is one choice of Link: a pipeline and the condition under which
// it is chosen. A nil When always holds (the fallback).
type LinkTarget struct {
	Ref
	When func(s *pipeline.Stream) bool
}

var linkInfo = pipeline.Info{
	Name:     "link",
	Synopsis: "(target, when, target2, when2, ...)",
	Summary:  "Sends events to a pipeline chosen by condition and outputs what it outputs",
	Params: []pipeline.Param{
		{Name: "target", Type: "string", Doc: "Name of a pipeline to send events to"},
		{Name: "when", Type: "function", Doc: "Returns true when the target before it is to be chosen; the last target may go without, as the fallback"},
	},
}

type link struct {
	targets []LinkTarget
}

func (*link) Info() pipeline.Info { return linkInfo }

// Bind resolves the targets' names.
func (f *link) Bind(r pipeline.Resolver) error {
	for i := range f.targets {
		if err := f.targets[i].bind(r); err != nil {
			return err
		}
	}
	return nil
}

// Targets returns the bound targets, whatever their conditions
// (pipeline.Linker).
func (f *link) Targets() []*pipeline.Pipeline {
	var out []*pipeline.Pipeline
	for _, t := range f.targets {
		out = append(out, t.targets()...)
	}
	return out
}

func (f *link) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	return &linkInst{f: f, s: s, next: next}
}

// linkInst is the per-stream instance.
type linkInst struct {
	f    *link
	s    *pipeline.Stream
	next pipeline.Target
	sub  *pipeline.Stream
	buf  []event.Event // events seen before a target was chosen
}

func (l *linkInst) Input(evt event.Event) {
	if l.s.Ended() {
		return
	}
	if l.sub != nil {
		l.sub.Input(evt)
		return
	}
	l.buf = append(l.buf, evt)
	p, ok := l.choose()
	if !ok {
		return
	}
	if p == nil {
		if end, isEnd := evt.(*event.SessionEnd); isEnd {
			l.buf = nil
			l.next.Input(end)
		}
		return
	}
	buf := l.buf
	l.buf = nil
	l.sub = startSub(l.s, "link", p, l.next, l.s.Value())
	for _, e := range buf {
		l.sub.Input(e)
	}
}

// choose returns the pipeline of the first target whose condition holds, or
// nil when none does; ok is false when the stream failed trying.
func (l *linkInst) choose() (p *pipeline.Pipeline, ok bool) {
	for i := range l.f.targets {
		t := &l.f.targets[i]
		if t.When != nil {
			hold, ok := l.call(t.When)
			if !ok {
				return nil, false
			}
			if !hold {
				continue
			}
		}
		p := resolved(l.s, "link", t.Ref)
		return p, p != nil
	}
	return nil, true
}

func (l *linkInst) call(when func(*pipeline.Stream) bool) (hold, ok bool) {
	defer l.s.Catch("link", &ok)
	return when(l.s), true
}

// resolved returns r's pipeline, or fails s (naming the filter) and returns
// nil when r was never bound: a name used outside a built module.
func resolved(s *pipeline.Stream, filter string, r Ref) *pipeline.Pipeline {
	if r.Pipeline == nil {
		s.Fail(event.RuntimeError, fmt.Errorf("%s: %w %q", filter, ErrUnbound, r.String()))
	}
	return r.Pipeline
}

// startSub starts a stream of p in parent's context whose output becomes the
// output of the parent's filter (link, use): it goes to next. The parent is
// held until the sub-stream's SessionEnd has passed, and closes the
// sub-stream when it ends first.
func startSub(parent *pipeline.Stream, filter string, p *pipeline.Pipeline, next pipeline.Target, data any) *pipeline.Stream {
	parent.Hold()
	st := pipeline.NewStream(p, parent.Context(), &subOutput{parent: parent, filter: filter, next: next})
	st.SetValue(data)
	parent.OnClose(st.Close)
	return st
}

// subOutput receives a sub-stream's output on behalf of the parent's filter.
type subOutput struct {
	parent *pipeline.Stream
	filter string
	next   pipeline.Target
	done   bool
}

func (o *subOutput) Input(evt event.Event) {
	if o.done {
		return
	}
	_, end := evt.(*event.SessionEnd)
	o.done = end
	forward(o.parent, o.filter, o.next, evt)
	if end {
		o.parent.Release()
	}
}

// forward passes evt to next, a target of stream s, from whatever stream is
// running: a panic downstream fails s (naming filter) rather than the stream
// whose output is being forwarded.
func forward(s *pipeline.Stream, filter string, next pipeline.Target, evt event.Event) {
	var ok bool
	defer s.Catch(filter, &ok)
	next.Input(evt)
}

// copyEvent returns a copy of evt that a second receiver may consume: Data
// shares its chunks; heads and tails are shared, not copied.
func copyEvent(evt event.Event) event.Event {
	switch e := evt.(type) {
	case *event.Data:
		return e.Clone()
	case *event.MessageStart:
		return &event.MessageStart{Head: e.Head}
	case *event.MessageEnd:
		return &event.MessageEnd{Tail: e.Tail}
	case *event.SessionEnd:
		c := *e
		return &c
	}
	return evt
}
