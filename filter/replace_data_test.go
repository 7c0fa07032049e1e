package filter_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/require"
)

func TestReplaceDataReplacesEachData(t *testing.T) {
	f := filter.ReplaceData(func(s *pipeline.Stream, d *event.Data, out pipeline.Target) {
		out.Input(event.FromString(strings.ToUpper(d.String())))
	})
	require.Equal(t, "replaceData", f.Info().Name)
	h := pipelinetest.Of(t, f)
	h.InputString("ab").InputMessage("m", "cd").InputMessage("e", "").End()
	require.Equal(t, `D"AB" MSm D"CD" ME MSe ME SE`, pipelinetest.Dump(h.Output()))
}

func TestReplaceDataWithSeveralOrNothing(t *testing.T) {
	h := pipelinetest.Of(t, filter.ReplaceData(func(s *pipeline.Stream, d *event.Data, out pipeline.Target) {
		if d.String() == "drop" {
			return
		}
		out.Input(d.Shift(1))
		out.Input(d)
	}))
	h.InputString("ab").InputString("drop").InputMessage("m", "drop").InputMessage("n", "cd").End()
	require.Equal(t, `D"a" D"b" MSm ME MSn D"c" D"d" ME SE`, pipelinetest.Dump(h.Output()))
}

func TestReplaceDataPanicEndsStream(t *testing.T) {
	var seen []string
	split := filter.ReplaceData(func(s *pipeline.Stream, d *event.Data, out pipeline.Target) {
		for _, b := range d.Bytes() {
			out.Input(event.FromBytes([]byte{b}))
		}
	})
	h := pipelinetest.Of(t, split, filter.ReplaceData(func(s *pipeline.Stream, d *event.Data, out pipeline.Target) {
		seen = append(seen, d.String())
		out.Input(d)
		if d.String() == "b" {
			panic("boom")
		}
	}))
	h.InputString("abc").InputString("d").End()
	require.Equal(t, []string{"a", "b"}, seen)
	se := h.SessionEnd()
	require.Equal(t, event.RuntimeError, se.Err)
	require.Contains(t, se.Message, "replaceData")
	require.Equal(t, `D"a" D"b" SE(runtime error: replaceData: boom)`, pipelinetest.Dump(h.Output()))
}

func TestReplaceDataNilCallbackPanics(t *testing.T) {
	require.PanicsWithValue(t, "filter: replaceData: nil callback", func() { filter.ReplaceData(nil) })
}

// TestHandlersAfterStreamEnded drives each handler with a ReplaceData that,
// for one Data in, writes a SessionEnd (which ends the stream) and then a
// whole message and more: the handler behind it must neither call out nor
// pass anything on once the stream has ended.
func TestHandlersAfterStreamEnded(t *testing.T) {
	calls := 0
	count := func() { calls++ }
	var dumped, printed bytes.Buffer
	for _, tc := range []struct {
		f     pipeline.Filter
		calls int // calls made for the SessionEnd itself
	}{
		{filter.OnSessionStart(func(*pipeline.Stream, event.Event) { count() }), 1},
		{filter.OnData(func(*pipeline.Stream, *event.Data) { count() }), 0},
		{filter.OnMessageStart(func(*pipeline.Stream, *event.MessageStart) { count() }), 0},
		{filter.OnMessageEnd(func(*pipeline.Stream, *event.MessageEnd) { count() }), 0},
		{filter.OnSessionEnd(func(*pipeline.Stream, *event.SessionEnd) { count() }), 1},
		{filter.OnMessageBody(func(*pipeline.Stream, *event.Data) { count() }), 0},
		{filter.OnMessage(func(*pipeline.Stream, *event.Message) { count() }), 0},
		{filter.ReplaceSessionStart(func(s *pipeline.Stream, e event.Event, out pipeline.Target) { count(); out.Input(e) }), 1},
		{filter.ReplaceData(func(s *pipeline.Stream, e *event.Data, out pipeline.Target) { count(); out.Input(e) }), 0},
		{filter.ReplaceMessageStart(func(s *pipeline.Stream, e *event.MessageStart, out pipeline.Target) { count(); out.Input(e) }), 0},
		{filter.ReplaceMessageEnd(func(s *pipeline.Stream, e *event.MessageEnd, out pipeline.Target) { count(); out.Input(e) }), 0},
		{filter.ReplaceSessionEnd(func(s *pipeline.Stream, e *event.SessionEnd, out pipeline.Target) { count(); out.Input(e) }), 1},
		{filter.ReplaceMessageBody(func(s *pipeline.Stream, b *event.Data) *event.Data { count(); return b }), 0},
		{filter.ReplaceMessage(func(s *pipeline.Stream, m *event.Message, out pipeline.Target) { count(); pipeline.Emit(out, m) }), 0},
		{filter.DumpTo(&dumped, "t"), 0},
		{filter.PrintTo(&printed), 0},
	} {
		t.Run(tc.f.Info().Name, func(t *testing.T) {
			calls = 0
			dumped.Reset()
			printed.Reset()
			late := filter.ReplaceData(func(s *pipeline.Stream, d *event.Data, out pipeline.Target) {
				out.Input(&event.SessionEnd{Err: event.UnknownError, Message: "early"})
				pipeline.Emit(out, event.NewMessage("late", "late"))
				out.Input(event.FromString("late"))
				out.Input(&event.SessionEnd{})
			})
			h := pipelinetest.Of(t, late, tc.f)
			h.InputString("go")
			require.True(t, h.Ended())
			require.Equal(t, tc.calls, calls)
			require.Equal(t, `SE(unknown error: early)`, pipelinetest.Dump(h.Output()))
			require.NotContains(t, dumped.String(), "late")
			require.Empty(t, printed.String())
		})
	}
}
