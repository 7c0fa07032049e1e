package filter_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/require"
)

func linkNever(*pipeline.Stream) bool  { return false }
func linkAlways(*pipeline.Stream) bool { return true }

// linkModule has pipelines a, b and c answering with their name, and x
// linking to them by targets.
func linkModule(t *testing.T, targets ...filter.LinkTarget) *pipeline.Module {
	m := pipeline.NewModule("m")
	m.Pipeline("a", flowAnswer("a:", nil))
	m.Pipeline("b", flowAnswer("b:", nil))
	m.Pipeline("c", flowAnswer("c:", nil))
	m.Pipeline("x", filter.Link(targets...))
	return flowBuild(t, m)
}

func TestLinkPicksFirstMatchingTarget(t *testing.T) {
	m := linkModule(t,
		filter.LinkTarget{Ref: filter.To("a"), When: linkNever},
		filter.LinkTarget{Ref: filter.To("b"), When: linkAlways},
		filter.LinkTarget{Ref: filter.To("c")},
	)
	require.Equal(t, "link", m.Find("x").Filters[0].Info().Name)
	h := pipelinetest.New(t, m.Find("x"))
	h.InputMessage(nil, "1").InputMessage(nil, "2").End()
	require.Equal(t, []string{"b:1", "b:2"}, flowBodies(h.Output()))
	require.Equal(t, event.NoError, h.SessionEnd().Err)
	require.True(t, h.Ended())
}

func TestLinkFallback(t *testing.T) {
	m := linkModule(t,
		filter.LinkTarget{Ref: filter.To("a"), When: linkNever},
		filter.LinkTarget{Ref: filter.To("c")},
		filter.LinkTarget{Ref: filter.To("b"), When: linkAlways},
	)
	h := pipelinetest.New(t, m.Find("x"))
	h.InputMessage(nil, "1").End()
	require.Equal(t, []string{"c:1"}, flowBodies(h.Output()))
}

type linkKey struct{}

func TestLinkBuffersUntilATargetIsChosen(t *testing.T) {
	calls := 0
	ready := func(s *pipeline.Stream) bool { calls++; return s.Context().Value(linkKey{}) != nil }
	m := pipeline.NewModule("m")
	m.Pipeline("a", flowAnswer("a:", nil))
	m.Pipeline("b", flowAnswer("b:", nil))
	// The condition becomes true at the first MessageEnd.
	m.Pipeline("x",
		filter.OnMessageEnd(func(s *pipeline.Stream, _ *event.MessageEnd) { s.Context().SetValue(linkKey{}, true) }),
		filter.Link(filter.LinkTarget{Ref: filter.To("a"), When: linkNever}, filter.LinkTarget{Ref: filter.To("b"), When: ready}))
	flowBuild(t, m)
	h := pipelinetest.New(t, m.Find("x"))
	h.Input(&event.MessageStart{}, event.FromString("he"), event.FromString("llo"))
	require.Empty(t, h.Output())
	require.Equal(t, 3, calls, "tried on each event")
	h.Input(&event.MessageEnd{})
	require.Equal(t, []string{"b:hello"}, flowBodies(h.Output()), "the buffered events reached the chosen pipeline")
	h.InputMessage(nil, "again").End()
	require.Equal(t, []string{"b:hello", "b:again"}, flowBodies(h.Output()))
	require.Equal(t, 4, calls, "not tried once chosen")
}

func TestLinkOutputIsTheSubStreamOutput(t *testing.T) {
	m := pipeline.NewModule("m")
	m.Pipeline("upper", flowUpper())
	m.Pipeline("bad", flowFailOn("boom", event.ReadError))
	m.Pipeline("x", filter.Link(filter.LinkTarget{Ref: filter.To("upper")}))
	m.Pipeline("y", filter.Link(filter.LinkTarget{Ref: filter.To("bad")}))
	flowBuild(t, m)

	h := pipelinetest.New(t, m.Find("x"))
	h.InputString("abc").InputMessage("head", "def").End()
	require.Equal(t, `D"ABC" MShead D"DEF" ME SE`, pipelinetest.Dump(h.Output()))

	h = pipelinetest.New(t, m.Find("y"))
	h.InputString("ok").InputString("boom")
	require.True(t, h.Ended())
	require.Equal(t, event.ReadError, h.SessionEnd().Err, "the sub-stream's SessionEnd, error included")
	require.Equal(t, "ok", h.OutputString())
}

func TestLinkHoldsWhileTheSubStreamRuns(t *testing.T) {
	m := pipeline.NewModule("m")
	m.Pipeline("slow", flowAnswer("", func(string) time.Duration { return time.Second }))
	m.Pipeline("x", filter.Link(filter.LinkTarget{Ref: filter.To("slow")}))
	flowBuild(t, m)
	h := pipelinetest.New(t, m.Find("x"))
	h.InputMessage(nil, "later").End()
	require.False(t, h.Ended())
	h.Advance(time.Second)
	require.Equal(t, `MS D"later" ME SE`, pipelinetest.Dump(h.Output()))
	require.True(t, h.Ended())
	require.Zero(t, h.Worker.Streams(), "the sub-stream ended too")
}

func TestLinkClosesTheSubStreamWhenTheStreamEnds(t *testing.T) {
	m := pipeline.NewModule("m")
	m.Pipeline("slow", flowAnswer("", func(string) time.Duration { return time.Hour }))
	m.Pipeline("x", filter.Link(filter.LinkTarget{Ref: filter.To("slow")}))
	flowBuild(t, m)
	h := pipelinetest.New(t, m.Find("x"))
	h.InputMessage(nil, "never")
	require.Equal(t, 2, h.Worker.Streams())
	h.Stream.Close()
	require.Zero(t, h.Worker.Streams())
}

func TestLinkWithNoMatchEndsAtSessionEnd(t *testing.T) {
	m := linkModule(t, filter.LinkTarget{Ref: filter.To("a"), When: linkNever})
	h := pipelinetest.New(t, m.Find("x"))
	h.InputMessage(nil, "1").InputString("x")
	require.Empty(t, h.Output())
	h.Input(event.End(event.ReadError, errors.New("reset")))
	require.Equal(t, "SE(read error: reset)", pipelinetest.Dump(h.Output()))
	require.True(t, h.Ended())
}

func TestLinkToPipelineDirectly(t *testing.T) {
	h := pipelinetest.Of(t, filter.Link(filter.LinkTarget{Ref: filter.ToPipeline(pipeline.New("u", flowUpper()))}))
	h.InputString("go").End()
	require.Equal(t, "GO", h.OutputString())
	require.NotNil(t, h.SessionEnd())
}

func TestLinkSubStreamSharesContextAndData(t *testing.T) {
	var ctx *pipeline.Context
	var data any
	probe := flowFunc(func(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
		return pipeline.TargetFunc(func(evt event.Event) {
			ctx, data = s.Context(), s.Value()
			next.Input(evt)
		})
	})
	h := pipelinetest.Of(t, filter.Link(filter.LinkTarget{Ref: filter.ToPipeline(pipeline.New("p", probe))}))
	h.Stream.SetValue("parent data")
	h.InputString("x")
	require.Same(t, h.Context, ctx)
	require.Equal(t, "parent data", data)
}

func TestLinkConditionPanicEndsTheStream(t *testing.T) {
	h := pipelinetest.Of(t, filter.Link(filter.LinkTarget{
		Ref:  filter.ToPipeline(pipeline.New("p")),
		When: func(*pipeline.Stream) bool { panic("bad condition") },
	}))
	h.InputString("x")
	se := h.SessionEnd()
	require.NotNil(t, se)
	require.Equal(t, event.RuntimeError, se.Err)
	require.Contains(t, se.Message, "link")
	require.Contains(t, se.Message, "bad condition")
}

func TestLinkUnboundNameFailsTheStream(t *testing.T) {
	h := pipelinetest.Of(t, filter.Link(filter.LinkTarget{Ref: filter.To("nowhere")}))
	h.InputString("x")
	se := h.SessionEnd()
	require.NotNil(t, se)
	require.Equal(t, event.RuntimeError, se.Err)
	require.ErrorIs(t, se.Error(), filter.ErrUnbound)
	require.Contains(t, se.Message, "nowhere")
}

func TestLinkPanicsWithoutTargets(t *testing.T) {
	require.Panics(t, func() { filter.Link() })
}

// TestFlowFiltersFailBuildOnUnknownNames covers Bind for every filter that
// refers to pipelines by name.
func TestFlowFiltersFailBuildOnUnknownNames(t *testing.T) {
	for name, f := range map[string]pipeline.Filter{
		"link":  filter.Link(filter.LinkTarget{Ref: filter.To("ok")}, filter.LinkTarget{Ref: filter.To("missing")}),
		"use":   filter.Use(filter.To("missing")),
		"fork":  filter.Fork(filter.To("missing"), nil),
		"demux": filter.Demux(filter.To("missing")),
		"mux":   filter.Mux(filter.To("missing"), nil),
	} {
		t.Run(name, func(t *testing.T) {
			m := pipeline.NewModule("m")
			m.Pipeline("ok")
			m.Pipeline("x", f)
			err := m.Build()
			require.Error(t, err)
			require.ErrorIs(t, err, pipeline.ErrUnknownPipeline)
			require.Contains(t, err.Error(), `"missing"`)
			require.Contains(t, err.Error(), name)
			require.Implements(t, (*pipeline.Binder)(nil), f)
		})
	}
}

// Link sends each stream to the pipeline its condition picks; the picked
// pipeline's output is the stream's output.
func ExampleLink() {
	type langKey struct{}
	m := pipeline.NewModule("example")
	m.Pipeline("shout", filter.ReplaceData(func(s *pipeline.Stream, d *event.Data, out pipeline.Target) {
		out.Input(event.FromString(strings.ToUpper(d.String()) + "!"))
	}))
	m.Pipeline("plain")
	m.Pipeline("main", filter.Link(
		filter.LinkTarget{Ref: filter.To("shout"), When: func(s *pipeline.Stream) bool {
			return s.Context().Value(langKey{}) == "loud"
		}},
		filter.LinkTarget{Ref: filter.To("plain")},
	))
	if err := m.Build(); err != nil {
		fmt.Println(err)
		return
	}
	w := pipeline.NewWorker(pipeline.WorkerOptions{})
	for _, lang := range []string{"loud", "quiet"} {
		ctx := pipeline.NewContext(w)
		ctx.SetValue(langKey{}, lang)
		st := pipeline.NewStream(m.Find("main"), ctx, pipeline.TargetFunc(func(e event.Event) {
			fmt.Printf("%s: %s\n", lang, pipelinetest.Describe(e))
		}))
		st.Input(event.FromString("hello"))
		st.Input(&event.SessionEnd{})
	}
	// Output:
	// loud: D"HELLO!"
	// loud: SE
	// quiet: D"hello"
	// quiet: SE
}
