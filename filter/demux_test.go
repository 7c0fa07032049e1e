package filter_test

import (
	"testing"
	"time"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/require"
)

// demuxDelays answers a body after the number of seconds given in the table.
func demuxDelays(table map[string]int) func(string) time.Duration {
	return func(body string) time.Duration { return time.Duration(table[body]) * time.Second }
}

func demuxModule(t *testing.T, handler ...pipeline.Filter) *pipeline.Module {
	m := pipeline.NewModule("m")
	m.Pipeline("handler", handler...)
	m.Pipeline("x", filter.Demux(filter.To("handler")))
	return flowBuild(t, m)
}

func TestDemuxKeepsRequestOrder(t *testing.T) {
	m := demuxModule(t, flowAnswer("re:", demuxDelays(map[string]int{"slow": 2, "fast": 1, "now": 0})))
	require.Equal(t, "demux", m.Find("x").Filters[0].Info().Name)
	h := pipelinetest.New(t, m.Find("x"))
	h.InputMessage(nil, "slow").InputMessage(nil, "fast").InputMessage(nil, "now")
	require.Empty(t, h.Output(), "the later answers wait for the first")
	require.Equal(t, 3, h.Worker.Streams(), "\"now\" ended by itself")
	h.Advance(time.Second)
	require.Empty(t, h.Output())
	h.Advance(time.Second)
	require.Equal(t, []string{"re:slow", "re:fast", "re:now"}, flowBodies(h.Output()))
	require.Equal(t, 1, h.Worker.Streams(), "answered streams are closed")
	require.Nil(t, h.SessionEnd())
	h.End()
	require.True(t, h.Ended())
	require.Equal(t, event.NoError, h.SessionEnd().Err)
}

func TestDemuxAnswersAtOnceWhenTheHeadIsDone(t *testing.T) {
	h := pipelinetest.New(t, demuxModule(t, flowAnswer("re:", demuxDelays(map[string]int{"b": 1}))).Find("x"))
	h.InputMessage(nil, "a")
	require.Equal(t, []string{"re:a"}, flowBodies(h.Take()))
	h.InputMessage(nil, "b").InputMessage(nil, "c")
	require.Empty(t, h.Take())
	h.Advance(time.Second)
	require.Equal(t, []string{"re:b", "re:c"}, flowBodies(h.Take()))
}

func TestDemuxHoldsUntilEveryAnswerIsOut(t *testing.T) {
	h := pipelinetest.New(t, demuxModule(t, flowAnswer("re:", demuxDelays(map[string]int{"a": 3}))).Find("x"))
	h.InputMessage(nil, "a").Input(event.End(event.ReadError, flowError("client gone")))
	require.False(t, h.Ended())
	h.Advance(3 * time.Second)
	require.True(t, h.Ended())
	require.Equal(t, `MS D"re:a" ME SE(read error: test failure: client gone)`, pipelinetest.Dump(h.Output()),
		"the input's end passes on after the answers")
	require.Zero(t, h.Worker.Streams())
}

func TestDemuxFeedsEachStreamOneMessageAndGivesItsOwnContext(t *testing.T) {
	var log []string
	var ctxs []*pipeline.Context
	probe := flowFunc(func(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
		ctxs = append(ctxs, s.Context())
		return next
	})
	h := pipelinetest.New(t, demuxModule(t, probe, flowRecord(&log), flowAnswer("re:", nil)).Find("x"))
	h.InputString("ignored").InputMessage("h1", "one").InputString("ignored").InputMessage("h2", "two").End()
	require.Equal(t, []string{`MSh1`, `D"one"`, `ME`, `SE`, `MSh2`, `D"two"`, `ME`, `SE`}, log)
	require.Equal(t, []string{"re:one", "re:two"}, flowBodies(h.Output()))
	require.Len(t, ctxs, 2)
	for _, c := range ctxs {
		require.Same(t, h.Context, c.Parent())
		require.Same(t, h.Context, c.Root())
	}
	require.NotEqual(t, ctxs[0].ID(), ctxs[1].ID())
}

func TestDemuxStreamWithoutAnswerContributesNothing(t *testing.T) {
	// "drop" ends normally without a message.
	handler := flowFunc(func(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
		return pipeline.TargetFunc(func(evt event.Event) {
			switch evt := evt.(type) {
			case *event.Data:
				if evt.String() != "drop" {
					pipeline.Emit(next, event.NewMessage(nil, "re:"+evt.String()))
					pipeline.Emit(next, event.NewMessage(nil, "extra")) // only the first answer counts
				}
			case *event.SessionEnd:
				next.Input(evt)
			}
		})
	})
	h := pipelinetest.New(t, demuxModule(t, handler).Find("x"))
	h.InputMessage(nil, "a").InputMessage(nil, "drop").InputMessage(nil, "b").End()
	require.Equal(t, []string{"re:a", "re:b"}, flowBodies(h.Output()))
	require.NoError(t, pipelinetest.CheckGrammar(h.Output()))
	require.Equal(t, event.NoError, h.SessionEnd().Err)
}

func TestDemuxStreamFailingBeforeItsAnswerEndsTheStreamInTurn(t *testing.T) {
	// "fail" fails at once; "cut" starts an answer and fails mid-way; "slow"
	// answers later, so the failure waits for its turn.
	for _, bad := range []string{"fail", "cut"} {
		t.Run(bad, func(t *testing.T) {
			var slow pipeline.Target
			var slowStream *pipeline.Stream
			handler := flowFunc(func(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
				return pipeline.TargetFunc(func(evt event.Event) {
					if d, ok := evt.(*event.Data); ok {
						switch d.String() {
						case "fail":
							s.Fail(event.RuntimeError, flowError("thrown"))
						case "cut":
							next.Input(&event.MessageStart{})
							next.Input(event.FromString("partial"))
							s.Fail(event.RuntimeError, flowError("thrown"))
						case "slow":
							slow, slowStream = next, s
							s.Hold()
						default:
							pipeline.Emit(next, event.NewMessage(nil, "re:"+d.String()))
						}
					}
				})
			})
			h := pipelinetest.New(t, demuxModule(t, handler).Find("x"))
			h.InputMessage(nil, "slow").InputMessage(nil, bad).InputMessage(nil, "b")
			require.Empty(t, h.Output(), "the failure waits for the answer before it")
			pipeline.Emit(slow, event.NewMessage(nil, "re:slow"))
			slowStream.Release()
			h.Run()
			require.Equal(t, []string{"re:slow"}, flowBodies(h.Output()), "no answer after the failure")
			require.Equal(t, event.RuntimeError, h.SessionEnd().Err)
			require.True(t, h.Ended())
			require.Zero(t, h.Worker.Streams())
		})
	}
}

func TestDemuxEndsAnUnfinishedRequest(t *testing.T) {
	var log []string
	h := pipelinetest.New(t, demuxModule(t, flowRecord(&log)).Find("x"))
	h.Input(&event.MessageStart{}, event.FromString("half")).End()
	require.Equal(t, []string{`MS`, `D"half"`, `SE`}, log)
	require.True(t, h.Ended())
}

func TestDemuxClosesPendingStreamsWhenTheStreamCloses(t *testing.T) {
	h := pipelinetest.New(t, demuxModule(t, flowAnswer("", demuxDelays(map[string]int{"a": 9, "b": 9}))).Find("x"))
	h.InputMessage(nil, "a").InputMessage(nil, "b")
	require.Equal(t, 3, h.Worker.Streams())
	h.Stream.Close()
	require.Zero(t, h.Worker.Streams())
}

// demuxVars stands for a script's context variables: a derived context gets
// a copy of their current values.
type demuxVars struct{ user string }

func (v *demuxVars) Inherit(*pipeline.Context) any { c := *v; return &c }

type demuxVarsKey struct{}

func TestPipyDemuxCopiesCurrentContext(t *testing.T) {
	var seen []string
	read := flowFunc(func(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
		v := s.Context().Value(demuxVarsKey{}).(*demuxVars)
		seen = append(seen, v.user)
		v.user = "changed by the handler"
		return next
	})
	m := pipeline.NewModule("m")
	m.Pipeline("handler", read, flowAnswer("re:", nil))
	m.Pipeline("x",
		filter.OnMessageStart(func(s *pipeline.Stream, ms *event.MessageStart) {
			// Set in the parent just before demux: the request's stream sees it.
			s.Context().Value(demuxVarsKey{}).(*demuxVars).user = ms.Head.(string)
		}),
		filter.Demux(filter.To("handler")))
	h := pipelinetest.New(t, flowBuild(t, m).Find("x"))
	vars := &demuxVars{user: "declared"}
	h.Context.SetValue(demuxVarsKey{}, vars)
	h.InputMessage("ann", "1").InputMessage("bob", "2").End()
	require.Equal(t, []string{"ann", "bob"}, seen)
	require.Equal(t, "bob", vars.user, "the handler's change stays in its own context")
}
