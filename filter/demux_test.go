package filter_test

import (
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

// logTB is a testing.TB that also keeps the lines logged through it (a
// harness's worker logs there).
type logTB struct {
	testing.TB
	lines *[]string
}

func (l logTB) Log(args ...any) {
	*l.lines = append(*l.lines, fmt.Sprint(args...))
	l.TB.Log(args...)
}

func TestDemuxRequestWithoutAnswerGetsAFailureAnswer(t *testing.T) {
	// "drop" ends its stream cleanly without answering.
	handler := flowFunc(func(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
		return pipeline.TargetFunc(func(evt event.Event) {
			if d, ok := evt.(*event.Data); ok {
				if d.String() == "drop" {
					next.Input(&event.SessionEnd{})
					return
				}
				pipeline.Emit(next, event.NewMessage(nil, "re:"+d.String()))
			}
		})
	})
	var logs []string
	h := pipelinetest.New(logTB{t, &logs}, demuxModule(t, handler).Find("x"))
	req := event.Fields{"method": "GET", "path": "/"}
	h.InputMessage(req, "a").InputMessage(req, "drop").InputMessage(req, "b")
	msgs := pipelinetest.Messages(h.Output())
	require.Len(t, msgs, 3, "one answer per request, the silent one's too")
	status, _, _ := event.IntField(msgs[1].Head, "status", 0, 999)
	require.EqualValues(t, 500, status)
	require.Equal(t, "Internal Server Error: unknown error: "+filter.ErrNoAnswer.Error()+"\n", msgs[1].Body.String())
	require.Equal(t, []string{"re:a", "re:b"}, []string{msgs[0].Body.String(), msgs[2].Body.String()})
	var warned []string
	for _, l := range logs {
		if strings.Contains(l, "level=WARN") && strings.Contains(l, "without an answer") {
			warned = append(warned, l)
		}
	}
	require.Len(t, warned, 1, "logged once: %q", logs)
	require.Contains(t, warned[0], "pipeline=handler")
	h.End()
	require.Equal(t, event.NoError, h.SessionEnd().Err)
	require.Zero(t, h.Worker.Streams())
}

// demuxScripted answers each request by its body: "fail" fails at once;
// "cut" starts an answer and fails mid-way; "slow" holds until the test
// answers it through *slow; anything else is answered "re:"+body.
func demuxScripted(slow *pipeline.Target, slowStream **pipeline.Stream) pipeline.Filter {
	return flowFunc(func(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
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
					*slow, *slowStream = next, s
					s.Hold()
				default:
					pipeline.Emit(next, event.NewMessage(nil, "re:"+d.String()))
				}
			}
		})
	})
}

func TestDemuxStreamFailingBeforeItsAnswerGetsA500InTurn(t *testing.T) {
	var slow pipeline.Target
	var slowStream *pipeline.Stream
	h := pipelinetest.New(t, demuxModule(t, demuxScripted(&slow, &slowStream)).Find("x"))
	h.InputMessage(nil, "slow").InputMessage(nil, "fail").InputMessage(nil, "b")
	require.Empty(t, h.Output(), "the failure waits for the answer before it")
	pipeline.Emit(slow, event.NewMessage(nil, "re:slow"))
	slowStream.Release()
	h.Run()
	msgs := pipelinetest.Messages(h.Output())
	require.Len(t, msgs, 3, "one answer per request, in order")
	require.Equal(t, "re:slow", msgs[0].Body.String())
	status, _, _ := event.IntField(msgs[1].Head, "status", 0, 999)
	require.EqualValues(t, 500, status)
	require.Equal(t, "Internal Server Error: runtime error: test failure: thrown\n", msgs[1].Body.String())
	require.Equal(t, "re:b", msgs[2].Body.String())
	require.False(t, h.Ended(), "the stream goes on")
	h.End()
	require.Equal(t, event.NoError, h.SessionEnd().Err)
	require.Zero(t, h.Worker.Streams())
}

func TestDemuxOnFailReplacesTheSyntheticAnswer(t *testing.T) {
	var slow pipeline.Target
	var slowStream *pipeline.Stream
	var seen *event.SessionEnd
	m := pipeline.NewModule("m")
	m.Pipeline("handler", demuxScripted(&slow, &slowStream))
	m.Pipeline("x", filter.Demux(filter.To("handler"), filter.DemuxOptions{
		OnFail: func(s *pipeline.Stream, end *event.SessionEnd, out pipeline.Target) {
			seen = end
			pipeline.Emit(out, event.NewMessage(event.Fields{"status": 503}, "sorry"))
		},
	}))
	h := pipelinetest.New(t, flowBuild(t, m).Find("x"))
	h.InputMessage(nil, "fail").InputMessage(nil, "b").End()
	require.Equal(t, []string{"sorry", "re:b"}, flowBodies(h.Output()))
	require.Equal(t, event.RuntimeError, seen.Err)
}

func TestDemuxAnswerCutMidWayEndsTheStreamInTurn(t *testing.T) {
	var slow pipeline.Target
	var slowStream *pipeline.Stream
	h := pipelinetest.New(t, demuxModule(t, demuxScripted(&slow, &slowStream)).Find("x"))
	h.InputMessage(nil, "slow").InputMessage(nil, "cut").InputMessage(nil, "b")
	require.Empty(t, h.Output(), "the cut answer waits for the answer before it")
	pipeline.Emit(slow, event.NewMessage(nil, "re:slow"))
	slowStream.Release()
	h.Run()
	require.Equal(t, `MS D"re:slow" ME MS D"partial" SE(runtime error: test failure: thrown)`, pipelinetest.Dump(h.Output()),
		"the cut answer goes out as far as it came, then the stream ends with its error")
	require.True(t, h.Ended())
	require.Zero(t, h.Worker.Streams())
}

func TestDemuxStreamsTheHeadAnswerAndPassesInterimAnswers(t *testing.T) {
	var out pipeline.Target
	var st *pipeline.Stream
	handler := flowFunc(func(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
		out, st = next, s
		s.Hold()
		return pipeline.TargetFunc(func(event.Event) {})
	})
	h := pipelinetest.New(t, demuxModule(t, handler).Find("x"))
	h.InputMessage(nil, "a")
	out.Input(&event.MessageStart{Head: event.Fields{"status": 100}})
	out.Input(&event.MessageEnd{})
	h.Run()
	require.Equal(t, `MSmap[status:100] ME`, pipelinetest.Dump(h.Take()), "the interim answer passes at once")
	out.Input(&event.MessageStart{Head: event.Fields{"status": 200}})
	out.Input(event.FromString("one"))
	h.Run()
	require.Equal(t, `MSmap[status:200] D"one"`, pipelinetest.Dump(h.Take()), "the answer streams as it comes")
	out.Input(event.FromString("two"))
	out.Input(&event.MessageEnd{})
	st.Release()
	h.Run()
	require.Equal(t, `D"two" ME`, pipelinetest.Dump(h.Take()))
	h.End()
	require.True(t, h.Ended())
}

func TestDemuxPausesAWaitingAnswerPastItsBufferLimit(t *testing.T) {
	outs := map[string]pipeline.Target{}
	var valves []*pipeline.Valve
	handler := flowFunc(func(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
		valves = append(valves, s.Context().ReturnValve())
		s.Hold()
		return pipeline.TargetFunc(func(evt event.Event) {
			if d, ok := evt.(*event.Data); ok {
				outs[d.String()] = next
			}
		})
	})
	m := pipeline.NewModule("m")
	m.Pipeline("handler", handler)
	m.Pipeline("x", filter.Demux(filter.To("handler"), filter.DemuxOptions{BufferLimit: 10}))
	h := pipelinetest.New(t, flowBuild(t, m).Find("x"))
	h.InputMessage(nil, "a").InputMessage(nil, "b")
	require.Len(t, valves, 2)
	require.NotSame(t, valves[0], valves[1], "each request has its own return valve")
	outs["b"].Input(&event.MessageStart{})
	outs["b"].Input(event.FromString("0123456789"))
	require.True(t, valves[1].IsOpen(), "at the limit")
	outs["b"].Input(event.FromString("x"))
	require.False(t, valves[1].IsOpen(), "past the limit the waiting answer's reading pauses")
	require.True(t, valves[0].IsOpen())
	h.Context.ReturnValve().Pause()
	require.False(t, valves[0].IsOpen(), "a slow client pauses the head answer too")
	h.Context.ReturnValve().Resume()
	pipeline.Emit(outs["a"], event.NewMessage(nil, "A"))
	require.True(t, valves[1].IsOpen(), "its turn came")
	outs["b"].Input(&event.MessageEnd{})
	h.Run()
	require.Equal(t, []string{"A", "0123456789x"}, flowBodies(h.Output()))
}

func TestDemuxUpgradeTurnsIntoATunnel(t *testing.T) {
	var out pipeline.Target
	var log []string
	handler := flowFunc(func(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
		out = next
		return flowRecord(&log).New(s, pipeline.TargetFunc(func(evt event.Event) {
			if _, ok := evt.(*event.SessionEnd); ok {
				next.Input(evt) // the far side closes when the near side does
			}
		}))
	})
	h := pipelinetest.New(t, demuxModule(t, handler).Find("x"))
	h.InputMessage(event.Fields{"method": "GET", "headers": map[string]any{"upgrade": "websocket"}}, "")
	require.Equal(t, []string{`MSmap[headers:map[upgrade:websocket] method:GET]`, `ME`}, log, "the request's input stays open")
	out.Input(&event.MessageStart{Head: event.Fields{"status": 101}})
	out.Input(&event.MessageEnd{})
	h.Run()
	require.Equal(t, `MSmap[status:101] ME`, pipelinetest.Dump(h.Take()))
	h.InputString("ping")
	require.Equal(t, `D"ping"`, log[2], "data after the 101 goes to the tunnel")
	out.Input(event.FromString("pong"))
	h.Run()
	require.Equal(t, `D"pong"`, pipelinetest.Dump(h.Take()))
	h.End()
	require.True(t, h.Ended())
	require.Zero(t, h.Worker.Streams())
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
