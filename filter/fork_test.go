package filter_test

import (
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/require"
)

func TestForkCopiesEveryEventToEachFork(t *testing.T) {
	var log []string
	m := pipeline.NewModule("m")
	// The forks answer, to show their output is dropped.
	m.Pipeline("tee", flowRecord(&log), flowAnswer("fork:", nil))
	m.Pipeline("x", filter.Fork(filter.To("tee"), func(*pipeline.Stream) []any { return []any{"x", "y"} }))
	flowBuild(t, m)
	require.Equal(t, "fork", m.Find("x").Filters[0].Info().Name)

	h := pipelinetest.New(t, m.Find("x"))
	h.InputString("raw").InputMessage("h", "body")
	require.Equal(t, `D"raw" MSh D"body" ME`, pipelinetest.Dump(h.Output()), "the original passes on, the forks' output does not")
	require.Equal(t, []string{
		`x:D"raw"`, `y:D"raw"`,
		`x:MSh`, `y:MSh`, `x:D"body"`, `y:D"body"`, `x:ME`, `y:ME`,
	}, log)
	require.Equal(t, 3, h.Worker.Streams())

	log = nil
	h.End()
	require.Equal(t, []string{`x:SE`, `y:SE`}, log, "the forks see the input's end")
	require.True(t, h.Ended())
	require.Zero(t, h.Worker.Streams())
}

func TestForkDataIsACopy(t *testing.T) {
	// A fork that consumes its Data does not change what passes on.
	eat := flowFunc(func(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
		return pipeline.TargetFunc(func(evt event.Event) {
			if d, ok := evt.(*event.Data); ok {
				d.Skip(d.Len())
			}
		})
	})
	h := pipelinetest.Of(t, filter.Fork(filter.ToPipeline(pipeline.New("eat", eat)), nil))
	h.InputString("intact").End()
	require.Equal(t, "intact", h.OutputString())
}

func TestForkWithoutSessionDataStartsOneForkWithTheStreamData(t *testing.T) {
	var log []string
	h := pipelinetest.Of(t, filter.Fork(filter.ToPipeline(pipeline.New("tee", flowRecord(&log))), nil))
	h.Stream.SetValue("parent")
	h.InputString("a").End()
	require.Equal(t, []string{`parent:D"a"`, `parent:SE`}, log)
	require.Equal(t, "a", h.OutputString())
}

func TestForkWithNoSessionDataStartsNoFork(t *testing.T) {
	var log []string
	h := pipelinetest.Of(t, filter.Fork(filter.ToPipeline(pipeline.New("tee", flowRecord(&log))),
		func(*pipeline.Stream) []any { return nil }))
	h.InputString("a").End()
	require.Empty(t, log)
	require.Equal(t, "a", h.OutputString())
}

func TestForksShareTheContextAndEndWithTheStream(t *testing.T) {
	var ctxs []*pipeline.Context
	closed := 0
	probe := flowFunc(func(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
		ctxs = append(ctxs, s.Context())
		s.OnClose(func() { closed++ })
		s.Hold() // linkNever done by itself
		return pipeline.Discard
	})
	h := pipelinetest.Of(t, filter.Fork(filter.ToPipeline(pipeline.New("p", probe)),
		func(*pipeline.Stream) []any { return []any{1, 2, 3} }))
	h.InputString("a").End()
	require.True(t, h.Ended(), "the stream does not wait for its forks")
	require.Len(t, ctxs, 3)
	for _, c := range ctxs {
		require.Same(t, h.Context, c)
	}
	require.Equal(t, 3, closed)
	require.Zero(t, h.Worker.Streams())
}

func TestForkSessionDataPanicEndsTheStream(t *testing.T) {
	h := pipelinetest.Of(t, filter.Fork(filter.ToPipeline(pipeline.New("p")),
		func(*pipeline.Stream) []any { panic("no data") }))
	h.InputString("a")
	require.Equal(t, event.RuntimeError, h.SessionEnd().Err)
	require.Contains(t, h.SessionEnd().Message, "fork")
	require.Empty(t, h.OutputString())
}
