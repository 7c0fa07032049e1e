package pipeline_test

import (
	"errors"
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/assert"
)

// answerer passes events on; when the stream fails, its OnFail handler runs
// handle with its next target.
type answerer struct {
	handle func(s *pipeline.Stream, next pipeline.Target, end *event.SessionEnd) bool
}

func (a answerer) Info() pipeline.Info { return pipeline.Info{Name: "answerer"} }

func (a answerer) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	s.OnFail(func(end *event.SessionEnd) bool { return a.handle(s, next, end) })
	return next
}

var failOnData = fn{"failOnData", func(s *pipeline.Stream, evt event.Event, next pipeline.Target) {
	if _, ok := evt.(*event.Data); ok {
		s.Fail(event.RuntimeError, errors.New("boom"))
		return
	}
	next.Input(evt)
}}

func TestOnFailHandlerAnswersBeforeTheSessionEnd(t *testing.T) {
	a := answerer{func(s *pipeline.Stream, next pipeline.Target, end *event.SessionEnd) bool {
		next.Input(event.FromString("sorry: " + end.Message))
		next.Input(end)
		return true
	}}
	h := pipelinetest.Of(t, failOnData, a, upper)
	h.InputString("x")
	assert.Equal(t, `D"SORRY: BOOM" SE(runtime error: boom)`, pipelinetest.Dump(h.Output()))
	assert.True(t, h.Ended())
}

func TestOnFailHandlerThatDeclinesLeavesTheFailureAsItWas(t *testing.T) {
	var offered []string
	decline := func(name string) answerer {
		return answerer{func(*pipeline.Stream, pipeline.Target, *event.SessionEnd) bool {
			offered = append(offered, name)
			return false
		}}
	}
	h := pipelinetest.Of(t, failOnData, decline("first"), decline("second"))
	h.InputString("x")
	assert.Equal(t, `SE(runtime error: boom)`, pipelinetest.Dump(h.Output()))
	assert.Equal(t, []string{"second", "first"}, offered, "the handler nearest the output is offered first")
}

func TestOnFailHandlerWithoutSessionEndStillEndsTheStreamOnce(t *testing.T) {
	forgetful := answerer{func(s *pipeline.Stream, next pipeline.Target, end *event.SessionEnd) bool {
		next.Input(event.FromString("partial"))
		return true
	}}
	h := pipelinetest.Of(t, failOnData, forgetful)
	h.InputString("x")
	assert.Equal(t, `D"partial" SE(runtime error: boom)`, pipelinetest.Dump(h.Output()))
}

func TestOnFailHandlerThatPanicsOrFailsStillEndsTheStreamOnce(t *testing.T) {
	panicky := answerer{func(*pipeline.Stream, pipeline.Target, *event.SessionEnd) bool { panic("oops") }}
	h := pipelinetest.Of(t, failOnData, panicky)
	h.InputString("x")
	assert.Equal(t, `SE(runtime error: boom)`, pipelinetest.Dump(h.Output()))

	refailing := answerer{func(s *pipeline.Stream, next pipeline.Target, end *event.SessionEnd) bool {
		s.Fail(event.UnknownError, errors.New("again"))
		return true
	}}
	h = pipelinetest.Of(t, failOnData, refailing)
	h.InputString("x")
	assert.Equal(t, `SE(unknown error: again)`, pipelinetest.Dump(h.Output()))
}
