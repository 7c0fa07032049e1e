package filter_test

import (
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/require"
)

func TestOnSessionStartCallsOnceWithInitialEvent(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    []event.Event
		dump  string
		first string
	}{
		{"data", []event.Event{event.FromString("a"), event.FromString("b"), &event.SessionEnd{}}, `D"a" D"b" SE`, `D"a"`},
		{"message", append(pipelinetest.Message("req", "x"), &event.SessionEnd{}), `MSreq D"x" ME SE`, `MSreq`},
		{"session end", []event.Event{&event.SessionEnd{Err: event.ReadError, Message: "reset"}}, `SE(read error: reset)`, `SE(read error: reset)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var seen []event.Event
			f := filter.OnSessionStart(func(s *pipeline.Stream, evt event.Event) { seen = append(seen, evt) })
			require.Equal(t, "onSessionStart", f.Info().Name)
			h := pipelinetest.Of(t, f)
			h.Input(tc.in...)
			require.Len(t, seen, 1)
			require.Same(t, tc.in[0], seen[0])
			require.Equal(t, tc.first, pipelinetest.Describe(seen[0]))
			require.Equal(t, tc.dump, pipelinetest.Dump(h.Output()))
		})
	}
}

func TestOnSessionStartPanicEndsStream(t *testing.T) {
	calls := 0
	split := filter.ReplaceData(func(s *pipeline.Stream, d *event.Data, out pipeline.Target) {
		out.Input(event.FromString("1"))
		out.Input(event.FromString("2"))
	})
	h := pipelinetest.Of(t, split, filter.OnSessionStart(func(*pipeline.Stream, event.Event) {
		calls++
		panic("boom")
	}))
	h.InputString("x").InputString("y").End()
	require.Equal(t, 1, calls)
	require.Equal(t, event.RuntimeError, h.SessionEnd().Err)
	require.Equal(t, `SE(runtime error: onSessionStart: boom)`, pipelinetest.Dump(h.Output()))
}

func TestOnSessionStartNilCallbackPanics(t *testing.T) {
	require.PanicsWithValue(t, "filter: onSessionStart: nil callback", func() { filter.OnSessionStart(nil) })
}
