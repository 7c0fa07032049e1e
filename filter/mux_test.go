package filter_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// muxRig runs user streams of pipeline "front" (which muxes into "back") by
// hand on one worker with a manual clock, counting the shared streams.
type muxRig struct {
	t       *testing.T
	clock   *pipelinetest.Clock
	w       *pipeline.Worker
	m       *pipeline.Module
	started int // shared streams started
	closed  int // shared streams closed
}

type muxUser struct {
	r   *muxRig
	st  *pipeline.Stream
	out flowRecorder
}

func newMuxRig(t *testing.T, mux pipeline.Filter, back ...pipeline.Filter) *muxRig {
	r := &muxRig{t: t, clock: pipelinetest.NewClock()}
	r.w = pipeline.NewWorker(pipeline.WorkerOptions{Clock: r.clock, Logger: pipelinetest.TestLogger(t)})
	r.m = pipeline.NewModule("m")
	r.m.Pipeline("back", append([]pipeline.Filter{flowCount(&r.started, &r.closed)}, back...)...)
	r.m.Pipeline("front", mux)
	flowBuild(t, r.m)
	return r
}

func (r *muxRig) user() *muxUser {
	u := &muxUser{r: r}
	u.st = pipeline.NewStream(r.m.Find("front"), pipeline.NewContext(r.w), &u.out)
	r.t.Cleanup(func() {
		u.st.Close()
		assert.NoError(r.t, pipelinetest.CheckGrammar(u.out.evts), "user output: %s", pipelinetest.Dump(u.out.evts))
	})
	return u
}

func (r *muxRig) advance(d time.Duration) {
	r.w.RunPending()
	r.clock.Advance(d, func() { r.w.RunPending() })
	r.w.RunPending()
}

func (u *muxUser) input(evts ...event.Event) *muxUser {
	for _, e := range evts {
		u.st.Input(e)
	}
	u.r.w.RunPending()
	return u
}

func (u *muxUser) send(body string) *muxUser { return u.input(flowMessage(body)...) }

func (u *muxUser) end() *muxUser { return u.input(&event.SessionEnd{}) }

func (u *muxUser) bodies() []string { return flowBodies(u.out.evts) }

func TestMuxSharesOneStreamAndRoutesAnswersInOrder(t *testing.T) {
	r := newMuxRig(t, filter.Mux(filter.To("back"), nil),
		flowAnswer("re:", func(string) time.Duration { return time.Second }))
	require.Equal(t, "mux", r.m.Find("front").Filters[0].Info().Name)
	a, b, c := r.user(), r.user(), r.user()
	a.send("a1")
	b.send("b1")
	a.send("a2")
	c.send("c1")
	require.Equal(t, 1, r.started, "one shared stream")
	require.Equal(t, 4, r.w.Streams())
	r.advance(time.Second)
	require.Equal(t, []string{"re:a1", "re:a2"}, a.bodies())
	require.Equal(t, []string{"re:b1"}, b.bodies())
	require.Equal(t, []string{"re:c1"}, c.bodies())
	require.Equal(t, 1, r.started)
}

func TestMuxSendsWholeMessagesWithoutInterleaving(t *testing.T) {
	var log []string
	r := newMuxRig(t, filter.Mux(filter.To("back"), nil), flowRecord(&log), flowAnswer("re:", nil))
	a, b := r.user(), r.user()
	a.input(&event.MessageStart{Head: "a"}, event.FromString("a-"))
	b.input(&event.MessageStart{Head: "b"}, event.FromString("b-"), event.FromString("x"), &event.MessageEnd{})
	a.input(event.FromString("y"), &event.MessageEnd{}, event.FromString("outside a message"))
	require.Equal(t, []string{`MSb`, `D"b-x"`, `ME`, `MSa`, `D"a-y"`, `ME`}, log)
	require.Equal(t, []string{"re:a-y"}, a.bodies())
	require.Equal(t, []string{"re:b-x"}, b.bodies())
}

func TestMuxHoldsTheUserUntilItsAnswersAreOut(t *testing.T) {
	r := newMuxRig(t, filter.Mux(filter.To("back"), nil),
		flowAnswer("re:", func(string) time.Duration { return time.Second }))
	a := r.user()
	a.send("q1").send("q2").input(event.End(event.ReadError, flowError("half closed")))
	require.False(t, a.st.Ended())
	r.advance(time.Second)
	require.True(t, a.st.Ended())
	require.Equal(t, `MS D"re:q1" ME MS D"re:q2" ME SE(read error: test failure: half closed)`, pipelinetest.Dump(a.out.evts))
	require.Equal(t, 1, r.w.Streams(), "the shared stream outlives its user")
}

func TestMuxSkipsARequesterThatLeft(t *testing.T) {
	r := newMuxRig(t, filter.Mux(filter.To("back"), nil),
		flowAnswer("re:", func(string) time.Duration { return time.Second }))
	a, b := r.user(), r.user()
	a.send("a1")
	b.send("b1")
	a.st.Close()
	r.advance(time.Second)
	require.Empty(t, a.out.evts)
	require.Equal(t, []string{"re:b1"}, b.bodies(), "b gets its own answer, not a's")
	b.send("b2")
	r.advance(time.Second)
	require.Equal(t, []string{"re:b1", "re:b2"}, b.bodies())
}

func TestMuxClosesTheSharedStreamWhenIdle(t *testing.T) {
	r := newMuxRig(t, filter.Mux(filter.To("back"), nil), flowAnswer("re:", nil))
	a, b := r.user(), r.user()
	a.send("a")
	b.send("b")
	a.end()
	require.True(t, a.st.Ended())
	r.advance(time.Minute)
	require.Zero(t, r.closed, "b still uses it")
	b.end()
	require.Equal(t, 1, r.w.Streams())
	r.advance(9 * time.Second)
	require.Zero(t, r.closed)
	// A new user within the idle period keeps it.
	c := r.user().send("c")
	require.Equal(t, []string{"re:c"}, c.bodies())
	require.Equal(t, 1, r.started)
	c.end()
	r.advance(9 * time.Second)
	require.Zero(t, r.closed, "the idle period started again when c left")
	r.advance(time.Second)
	require.Equal(t, 1, r.closed)
	require.Zero(t, r.w.Streams())
	// The next request starts a new one.
	d := r.user().send("d")
	require.Equal(t, []string{"re:d"}, d.bodies())
	require.Equal(t, 2, r.started)
}

func TestMuxIdleTimeoutOption(t *testing.T) {
	r := newMuxRig(t, filter.Mux(filter.To("back"), nil, filter.MuxOptions{IdleTimeout: time.Second}), flowAnswer("re:", nil))
	r.user().send("a").end()
	r.advance(time.Second)
	require.Equal(t, 1, r.closed)
}

func TestMuxSharedStreamFailureReachesWaitingRequesters(t *testing.T) {
	r := newMuxRig(t, filter.Mux(filter.To("back"), nil),
		flowFailOn("boom", event.ReadError),
		flowAnswer("re:", func(b string) time.Duration {
			if b == "slow" {
				return time.Second
			}
			return 0
		}))
	idle, a, b := r.user(), r.user(), r.user()
	idle.send("fine")
	a.send("slow").send("slow")
	b.send("boom")
	require.True(t, a.st.Ended())
	require.True(t, b.st.Ended())
	require.Equal(t, `SE(read error: test failure: boom)`, pipelinetest.Dump(a.out.evts), "one SessionEnd however many requests")
	require.Equal(t, `SE(read error: test failure: boom)`, pipelinetest.Dump(b.out.evts))
	require.False(t, idle.st.Ended(), "a user owed nothing is not ended")
	require.Equal(t, []string{"re:fine"}, idle.bodies())
	require.Equal(t, 1, r.closed)

	// The next request makes a new shared stream.
	idle.send("again")
	c := r.user().send("hi")
	require.Equal(t, 2, r.started)
	require.Equal(t, []string{"re:fine", "re:again"}, idle.bodies())
	require.Equal(t, []string{"re:hi"}, c.bodies())
}

func TestMuxSelectorPicksTheSharedStream(t *testing.T) {
	type keyT struct{}
	sel := func(s *pipeline.Stream) string { return s.Context().Value(keyT{}).(string) }
	r := newMuxRig(t, filter.Mux(filter.To("back"), sel), flowAnswer("re:", nil))
	var us []*muxUser
	for _, k := range []string{"x", "y", "x"} {
		u := r.user()
		u.st.Context().SetValue(keyT{}, k)
		us = append(us, u.send(k))
	}
	require.Equal(t, 2, r.started)
	for i, u := range us {
		require.Equal(t, []string{"re:" + []string{"x", "y", "x"}[i]}, u.bodies())
	}
}

func TestMuxSelectorPanicEndsTheStream(t *testing.T) {
	r := newMuxRig(t, filter.Mux(filter.To("back"), func(*pipeline.Stream) string { panic("no key") }))
	u := r.user().send("x")
	require.Equal(t, event.RuntimeError, u.out.end().Err)
	require.Contains(t, u.out.end().Message, "mux")
	require.Zero(t, r.started)
}

func TestMuxCapsRequestsInFlight(t *testing.T) {
	inFlight, most := 0, 0
	count := flowFunc(func(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
		return pipeline.TargetFunc(func(evt event.Event) {
			if _, ok := evt.(*event.MessageStart); ok {
				inFlight++
				most = max(most, inFlight)
			}
			next.Input(evt)
		})
	})
	done := flowFunc(func(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
		return pipeline.TargetFunc(func(evt event.Event) {
			if _, ok := evt.(*event.MessageEnd); ok {
				inFlight--
			}
			next.Input(evt)
		})
	})
	r := newMuxRig(t, filter.Mux(filter.To("back"), nil, filter.MuxOptions{MaxInFlight: 3}),
		count, flowAnswer("", func(string) time.Duration { return time.Second }), done)
	a, b := r.user(), r.user()
	var want []string
	for i := range 10 {
		u := a
		if i%2 == 1 {
			u = b
		}
		u.send(string(rune('a' + i)))
		want = append(want, string(rune('a'+i)))
	}
	require.Equal(t, 3, inFlight)
	for range 10 {
		r.advance(time.Second)
	}
	require.Equal(t, 3, most)
	require.Zero(t, inFlight)
	var got []string
	for i := range 5 {
		got = append(got, a.bodies()[i], b.bodies()[i])
	}
	require.Equal(t, want, got)
}

func TestMuxDefaultCapIs100(t *testing.T) {
	inFlight := 0
	count := flowFunc(func(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
		return pipeline.TargetFunc(func(evt event.Event) {
			if _, ok := evt.(*event.MessageStart); ok {
				inFlight++
			}
			next.Input(evt)
		})
	})
	r := newMuxRig(t, filter.Mux(filter.To("back"), nil), count, flowAnswer("", func(string) time.Duration { return time.Second }))
	a := r.user()
	for range 150 {
		a.send("x")
	}
	require.Equal(t, 100, inFlight)
	r.advance(time.Second)
	require.Equal(t, 150, inFlight)
	r.advance(time.Second)
	require.Len(t, a.bodies(), 150)
}

func TestMuxPanicDownstreamOfOneUserSparesTheOthers(t *testing.T) {
	r := newMuxRig(t, filter.Mux(filter.To("back"), nil), flowAnswer("re:", func(string) time.Duration { return time.Second }))
	bad := pipeline.New("bad", filter.Mux(filter.ToPipeline(r.m.Find("back")), nil), flowFunc(
		func(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
			return pipeline.TargetFunc(func(evt event.Event) {
				if _, ok := evt.(*event.Data); ok {
					panic("downstream bug")
				}
				next.Input(evt)
			})
		}))
	var badOut flowRecorder
	badSt := pipeline.NewStream(bad, pipeline.NewContext(r.w), &badOut)
	defer badSt.Close()
	for _, e := range flowMessage("x") {
		badSt.Input(e)
	}
	good := r.user().send("y")
	r.advance(time.Second)
	require.Equal(t, event.RuntimeError, badOut.end().Err)
	require.Equal(t, []string{"re:y"}, good.bodies())
	require.Equal(t, 1, r.started)
	require.Zero(t, r.closed)
}

// Mux lets many streams share one stream of a pipeline (typically one
// upstream connection); each gets the answers to its own requests.
func ExampleMux() {
	m := pipeline.NewModule("example")
	m.Pipeline("upstream", filter.ReplaceMessage(func(s *pipeline.Stream, req *event.Message, out pipeline.Target) {
		pipeline.Emit(out, event.NewMessage(nil, "answer to "+req.Body.String()))
	}))
	m.Pipeline("client", filter.Mux(filter.To("upstream"), nil))
	if err := m.Build(); err != nil {
		fmt.Println(err)
		return
	}
	w := pipeline.NewWorker(pipeline.WorkerOptions{})
	for _, name := range []string{"alice", "bob"} {
		st := pipeline.NewStream(m.Find("client"), pipeline.NewContext(w), pipeline.TargetFunc(func(e event.Event) {
			if d, ok := e.(*event.Data); ok {
				fmt.Printf("%s got %q\n", name, d)
			}
		}))
		pipeline.Emit(st, event.NewMessage(nil, name+"'s question"))
		st.Input(&event.SessionEnd{})
	}
	w.RunPending()
	fmt.Println("shared streams still open:", w.Streams())
	// Output:
	// alice got "answer to alice's question"
	// bob got "answer to bob's question"
	// shared streams still open: 1
}

// muxVars stands for a script's context variables (a pipeline.Inheritor).
type muxVars struct{ target string }

func (v *muxVars) Inherit(*pipeline.Context) any { c := *v; return &c }

type muxVarsKey struct{}

func TestPipyMuxSharedStreamStartsFromTheOpenersContext(t *testing.T) {
	var seen []string
	var ctxs []*pipeline.Context
	probe := flowFunc(func(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
		seen = append(seen, s.Context().Value(muxVarsKey{}).(*muxVars).target)
		ctxs = append(ctxs, s.Context())
		return next
	})
	r := newMuxRig(t, filter.Mux(filter.To("back"), nil), probe, flowAnswer("re:", nil))
	a, b := r.user(), r.user()
	a.st.Context().SetValue(muxVarsKey{}, &muxVars{target: "set by a before mux"})
	b.st.Context().SetValue(muxVarsKey{}, &muxVars{target: "b"})
	a.send("1")
	b.send("2")
	require.Equal(t, []string{"set by a before mux"}, seen, "one shared stream, started from a's state")
	require.NotSame(t, a.st.Context().Root(), ctxs[0].Root(), "in a root context of its own")
	require.Equal(t, []string{"re:1"}, a.bodies())
	require.Equal(t, []string{"re:2"}, b.bodies())
}
