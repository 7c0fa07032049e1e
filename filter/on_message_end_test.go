package filter_test

import (
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/require"
)

func TestOnMessageEndSeesEachEnd(t *testing.T) {
	var tails []any
	f := filter.OnMessageEnd(func(s *pipeline.Stream, me *event.MessageEnd) { tails = append(tails, me.Tail) })
	require.Equal(t, "onMessageEnd", f.Info().Name)
	h := pipelinetest.Of(t, f)
	h.InputMessage("a", "1").InputString("x")
	h.Input(&event.MessageStart{}, &event.MessageEnd{Tail: "trailers"}).End()
	require.Equal(t, []any{nil, "trailers"}, tails)
	require.Equal(t, `MSa D"1" ME D"x" MS ME SE`, pipelinetest.Dump(h.Output()))
	require.Equal(t, "trailers", h.Messages()[1].Tail)
}

func TestOnMessageEndPanicEndsStream(t *testing.T) {
	calls := 0
	h := pipelinetest.Of(t, filter.OnMessageEnd(func(*pipeline.Stream, *event.MessageEnd) {
		calls++
		panic("boom")
	}))
	h.InputMessage("a", "1").InputMessage("b", "2").End()
	require.Equal(t, 1, calls)
	require.Equal(t, event.RuntimeError, h.SessionEnd().Err)
	require.Equal(t, `MSa D"1" SE(runtime error: onMessageEnd: boom)`, pipelinetest.Dump(h.Output()))
}

func TestOnMessageEndNilCallbackPanics(t *testing.T) {
	require.PanicsWithValue(t, "filter: onMessageEnd: nil callback", func() { filter.OnMessageEnd(nil) })
}
