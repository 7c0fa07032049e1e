package filter_test

import (
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/require"
)

func TestOnDataSeesEachDataAndPassesAllOn(t *testing.T) {
	var seen []string
	var streams []*pipeline.Stream
	f := filter.OnData(func(s *pipeline.Stream, d *event.Data) {
		seen = append(seen, d.String())
		streams = append(streams, s)
	})
	require.Equal(t, "onData", f.Info().Name)
	h := pipelinetest.Of(t, f)
	in := []event.Event{
		event.FromString("a"),
		&event.MessageStart{Head: "m"}, event.FromString("b"), event.FromString("c"), &event.MessageEnd{},
		event.FromString("d"),
		&event.SessionEnd{},
	}
	h.Input(in...)
	require.Equal(t, []string{"a", "b", "c", "d"}, seen)
	require.Equal(t, h.Stream, streams[0])
	out := h.Output()
	require.Len(t, out, len(in))
	for i := range in {
		require.Same(t, in[i], out[i], "event %d passed on unchanged", i)
	}
}

func TestOnDataPanicEndsStreamAndDropsLaterEvents(t *testing.T) {
	var seen []string
	// One Data in becomes one Data per byte, so the panic happens while the
	// upstream filter is still writing: what follows must be dropped.
	split := filter.ReplaceData(func(s *pipeline.Stream, d *event.Data, out pipeline.Target) {
		for _, b := range d.Bytes() {
			out.Input(event.FromBytes([]byte{b}))
		}
	})
	h := pipelinetest.Of(t, split, filter.OnData(func(s *pipeline.Stream, d *event.Data) {
		seen = append(seen, d.String())
		if d.String() == "b" {
			panic("boom")
		}
	}))
	h.InputString("abc").InputString("d").End()
	require.Equal(t, []string{"a", "b"}, seen)
	require.True(t, h.Ended())
	se := h.SessionEnd()
	require.Equal(t, event.RuntimeError, se.Err)
	require.Contains(t, se.Message, "onData")
	require.Equal(t, `D"a" SE(runtime error: onData: boom)`, pipelinetest.Dump(h.Output()))
}

func TestOnDataPanicEndsOnlyThatStream(t *testing.T) {
	p := pipeline.New("p", filter.OnData(func(s *pipeline.Stream, d *event.Data) {
		if d.String() == "boom" {
			panic("boom")
		}
	}))
	w := pipeline.NewWorker(pipeline.WorkerOptions{Logger: pipelinetest.TestLogger(t)})
	var out1, out2 []event.Event
	s1 := pipeline.NewStream(p, pipeline.NewContext(w), pipeline.TargetFunc(func(e event.Event) { out1 = append(out1, e) }))
	s2 := pipeline.NewStream(p, pipeline.NewContext(w), pipeline.TargetFunc(func(e event.Event) { out2 = append(out2, e) }))
	s1.Input(event.FromString("boom"))
	s2.Input(event.FromString("fine"))
	s2.Input(&event.SessionEnd{})
	require.True(t, s1.Ended())
	require.Equal(t, `SE(runtime error: onData: boom)`, pipelinetest.Dump(out1))
	require.Equal(t, `D"fine" SE`, pipelinetest.Dump(out2))
}

func TestOnDataNilCallbackPanics(t *testing.T) {
	require.PanicsWithValue(t, "filter: onData: nil callback", func() { filter.OnData(nil) })
}
