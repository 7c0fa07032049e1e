package filter_test

import (
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/require"
)

func TestOnSessionEndSeesTheEnd(t *testing.T) {
	var seen []*event.SessionEnd
	f := filter.OnSessionEnd(func(s *pipeline.Stream, se *event.SessionEnd) { seen = append(seen, se) })
	require.Equal(t, "onSessionEnd", f.Info().Name)
	h := pipelinetest.Of(t, f)
	h.InputString("x").InputMessage("a", "1")
	require.Empty(t, seen)
	end := &event.SessionEnd{Err: event.ReadError, Message: "reset"}
	h.Input(end)
	require.Len(t, seen, 1)
	require.Same(t, end, seen[0])
	require.Same(t, end, h.SessionEnd())
	require.Equal(t, `D"x" MSa D"1" ME SE(read error: reset)`, pipelinetest.Dump(h.Output()))
}

func TestOnSessionEndPanicReplacesTheEnd(t *testing.T) {
	h := pipelinetest.Of(t, filter.OnSessionEnd(func(*pipeline.Stream, *event.SessionEnd) { panic("boom") }))
	h.InputString("x").End()
	require.True(t, h.Ended())
	require.Equal(t, `D"x" SE(runtime error: onSessionEnd: boom)`, pipelinetest.Dump(h.Output()))
}

func TestOnSessionEndNilCallbackPanics(t *testing.T) {
	require.PanicsWithValue(t, "filter: onSessionEnd: nil callback", func() { filter.OnSessionEnd(nil) })
}
