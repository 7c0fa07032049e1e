package pipeline_test

import (
	"strings"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// fn is a test filter whose per-stream behaviour is a function of the
// stream, the event and the next target.
type fn struct {
	name string
	f    func(s *pipeline.Stream, evt event.Event, next pipeline.Target)
}

func (f fn) Info() pipeline.Info { return pipeline.Info{Name: f.name} }

func (f fn) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	return pipeline.TargetFunc(func(evt event.Event) { f.f(s, evt, next) })
}

// upper turns Data to upper case.
var upper = fn{"upper", func(s *pipeline.Stream, evt event.Event, next pipeline.Target) {
	if d, ok := evt.(*event.Data); ok {
		next.Input(event.FromString(strings.ToUpper(d.String())))
		return
	}
	next.Input(evt)
}}

// swallow drops every event.
var swallow = fn{"swallow", func(*pipeline.Stream, event.Event, pipeline.Target) {}}

// panicky panics on Data containing "boom", through Catch as real filters do.
type panicky struct{}

func (panicky) Info() pipeline.Info { return pipeline.Info{Name: "panicky"} }

func (panicky) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	return &panickyInst{s, next}
}

type panickyInst struct {
	s    *pipeline.Stream
	next pipeline.Target
}

func (p *panickyInst) Input(evt event.Event) {
	if d, ok := evt.(*event.Data); ok && !p.call(d) {
		return
	}
	p.next.Input(evt)
}

func (p *panickyInst) call(d *event.Data) (ok bool) {
	defer p.s.Catch("panicky", &ok)
	if strings.Contains(d.String(), "boom") {
		panic("boom in callback")
	}
	return true
}
