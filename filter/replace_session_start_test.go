package filter_test

import (
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/require"
)

func TestReplaceSessionStartReplacesOnlyTheInitialEvent(t *testing.T) {
	calls := 0
	f := filter.ReplaceSessionStart(func(s *pipeline.Stream, evt event.Event, out pipeline.Target) {
		calls++
		pipeline.Emit(out, event.NewMessage("greeting", "hi"))
		out.Input(evt)
	})
	require.Equal(t, "replaceSessionStart", f.Info().Name)
	h := pipelinetest.Of(t, f)
	h.InputString("a").InputString("b").InputMessage("m", "c").End()
	require.Equal(t, 1, calls)
	require.Equal(t, `MSgreeting D"hi" ME D"a" D"b" MSm D"c" ME SE`, pipelinetest.Dump(h.Output()))
}

func TestReplaceSessionStartWithNothing(t *testing.T) {
	drop := func(*pipeline.Stream, event.Event, pipeline.Target) {}

	h := pipelinetest.Of(t, filter.ReplaceSessionStart(drop))
	h.InputString("a").InputString("b").End()
	require.Equal(t, `D"b" SE`, pipelinetest.Dump(h.Output()))

	// A stream whose only event is the SessionEnd still ends.
	h = pipelinetest.Of(t, filter.ReplaceSessionStart(drop))
	h.Input(&event.SessionEnd{Err: event.ReadError})
	require.True(t, h.Ended())
	require.Equal(t, `SE`, pipelinetest.Dump(h.Output()))
}

func TestReplaceSessionStartPanicEndsStream(t *testing.T) {
	h := pipelinetest.Of(t, filter.ReplaceSessionStart(func(*pipeline.Stream, event.Event, pipeline.Target) { panic("boom") }))
	h.InputString("a").InputString("b").End()
	require.Equal(t, event.RuntimeError, h.SessionEnd().Err)
	require.Equal(t, `SE(runtime error: replaceSessionStart: boom)`, pipelinetest.Dump(h.Output()))
}

func TestReplaceSessionStartNilCallbackPanics(t *testing.T) {
	require.PanicsWithValue(t, "filter: replaceSessionStart: nil callback", func() { filter.ReplaceSessionStart(nil) })
}
