package filter_test

import (
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/require"
)

func TestReplaceMessageEndReplacesEachEnd(t *testing.T) {
	n := 0
	f := filter.ReplaceMessageEnd(func(s *pipeline.Stream, me *event.MessageEnd, out pipeline.Target) {
		n++
		out.Input(event.FromString("!"))
		out.Input(&event.MessageEnd{Tail: n})
	})
	require.Equal(t, "replaceMessageEnd", f.Info().Name)
	h := pipelinetest.Of(t, f)
	h.InputMessage("a", "1").InputString("x").InputMessage("b", "").End()
	require.Equal(t, `MSa D"1" D"!" ME D"x" MSb D"!" ME SE`, pipelinetest.Dump(h.Output()))
	msgs := h.Messages()
	require.Equal(t, 1, msgs[0].Tail)
	require.Equal(t, 2, msgs[1].Tail)
}

func TestReplaceMessageEndPanicEndsStream(t *testing.T) {
	h := pipelinetest.Of(t, filter.ReplaceMessageEnd(func(*pipeline.Stream, *event.MessageEnd, pipeline.Target) {
		panic("boom")
	}))
	h.InputMessage("a", "1").InputMessage("b", "2").End()
	require.Equal(t, event.RuntimeError, h.SessionEnd().Err)
	require.Equal(t, `MSa D"1" SE(runtime error: replaceMessageEnd: boom)`, pipelinetest.Dump(h.Output()))
}

func TestReplaceMessageEndNilCallbackPanics(t *testing.T) {
	require.PanicsWithValue(t, "filter: replaceMessageEnd: nil callback", func() { filter.ReplaceMessageEnd(nil) })
}
