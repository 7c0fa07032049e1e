package filter_test

import (
	"strings"
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/require"
)

func TestReplaceMessageStartReplacesEachHead(t *testing.T) {
	f := filter.ReplaceMessageStart(func(s *pipeline.Stream, ms *event.MessageStart, out pipeline.Target) {
		out.Input(&event.MessageStart{Head: strings.ToUpper(ms.Head.(string))})
	})
	require.Equal(t, "replaceMessageStart", f.Info().Name)
	h := pipelinetest.Of(t, f)
	h.InputString("x").InputMessage("a", "1").InputMessage("b", "").End()
	require.Equal(t, `D"x" MSA D"1" ME MSB ME SE`, pipelinetest.Dump(h.Output()))
}

func TestReplaceMessageStartAndEndWithNothing(t *testing.T) {
	// Dropping both ends of each message leaves its body as plain Data.
	h := pipelinetest.Of(t,
		filter.ReplaceMessageStart(func(*pipeline.Stream, *event.MessageStart, pipeline.Target) {}),
		filter.ReplaceMessageEnd(func(*pipeline.Stream, *event.MessageEnd, pipeline.Target) {}))
	h.InputMessage("a", "1").InputString("x").InputMessage("b", "2").End()
	require.Equal(t, `D"1" D"x" D"2" SE`, pipelinetest.Dump(h.Output()))
}

func TestReplaceMessageStartPanicEndsStream(t *testing.T) {
	h := pipelinetest.Of(t, filter.ReplaceMessageStart(func(*pipeline.Stream, *event.MessageStart, pipeline.Target) {
		panic("boom")
	}))
	h.InputString("x").InputMessage("a", "1").End()
	require.Equal(t, event.RuntimeError, h.SessionEnd().Err)
	require.Equal(t, `D"x" SE(runtime error: replaceMessageStart: boom)`, pipelinetest.Dump(h.Output()))
}

func TestReplaceMessageStartNilCallbackPanics(t *testing.T) {
	require.PanicsWithValue(t, "filter: replaceMessageStart: nil callback", func() { filter.ReplaceMessageStart(nil) })
}
