package filter_test

import (
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/require"
)

func TestReplaceSessionEnd(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    func(*pipeline.Stream, *event.SessionEnd, pipeline.Target)
		dump string
	}{
		{"farewell then the end", func(s *pipeline.Stream, se *event.SessionEnd, out pipeline.Target) {
			out.Input(event.FromString("bye"))
			out.Input(se)
		}, `D"x" D"bye" SE(read error: reset)`},
		{"another kind", func(s *pipeline.Stream, se *event.SessionEnd, out pipeline.Target) {
			out.Input(&event.SessionEnd{Err: event.UnknownError, Message: "replaced"})
		}, `D"x" SE(unknown error: replaced)`},
		{"data only: the stream still ends", func(s *pipeline.Stream, se *event.SessionEnd, out pipeline.Target) {
			out.Input(event.FromString("bye"))
		}, `D"x" D"bye" SE`},
		{"nothing: the stream still ends", func(*pipeline.Stream, *event.SessionEnd, pipeline.Target) {}, `D"x" SE`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := filter.ReplaceSessionEnd(tc.r)
			require.Equal(t, "replaceSessionEnd", f.Info().Name)
			h := pipelinetest.Of(t, f)
			h.InputString("x").Input(&event.SessionEnd{Err: event.ReadError, Message: "reset"})
			require.True(t, h.Ended())
			require.Equal(t, tc.dump, pipelinetest.Dump(h.Output()))
		})
	}
}

func TestReplaceSessionEndPanicEndsStream(t *testing.T) {
	h := pipelinetest.Of(t, filter.ReplaceSessionEnd(func(*pipeline.Stream, *event.SessionEnd, pipeline.Target) { panic("boom") }))
	h.InputString("x").End()
	require.Equal(t, `D"x" SE(runtime error: replaceSessionEnd: boom)`, pipelinetest.Dump(h.Output()))
}

func TestReplaceSessionEndNilCallbackPanics(t *testing.T) {
	require.PanicsWithValue(t, "filter: replaceSessionEnd: nil callback", func() { filter.ReplaceSessionEnd(nil) })
}
