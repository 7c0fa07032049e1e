package filter_test

import (
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/require"
)

func TestOnMessageStartSeesEachStart(t *testing.T) {
	var heads []any
	f := filter.OnMessageStart(func(s *pipeline.Stream, ms *event.MessageStart) { heads = append(heads, ms.Head) })
	require.Equal(t, "onMessageStart", f.Info().Name)
	h := pipelinetest.Of(t, f)
	h.InputString("x").InputMessage("a", "1").InputMessage(nil, "").InputMessage("c", "3").End()
	require.Equal(t, []any{"a", nil, "c"}, heads)
	require.Equal(t, `D"x" MSa D"1" ME MS ME MSc D"3" ME SE`, pipelinetest.Dump(h.Output()))
}

func TestOnMessageStartPanicEndsStream(t *testing.T) {
	calls := 0
	h := pipelinetest.Of(t, filter.OnMessageStart(func(*pipeline.Stream, *event.MessageStart) {
		calls++
		panic("bad head")
	}))
	h.InputString("x").InputMessage("a", "1").InputMessage("b", "2").End()
	require.Equal(t, 1, calls)
	se := h.SessionEnd()
	require.Equal(t, event.RuntimeError, se.Err)
	require.Contains(t, se.Message, "onMessageStart")
	require.Equal(t, `D"x" SE(runtime error: onMessageStart: bad head)`, pipelinetest.Dump(h.Output()))
}

func TestOnMessageStartNilCallbackPanics(t *testing.T) {
	require.PanicsWithValue(t, "filter: onMessageStart: nil callback", func() { filter.OnMessageStart(nil) })
}
