package pipeline_test

import (
	"errors"
	"testing"
	"time"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStreamPassesEventsThroughFiltersInOrder(t *testing.T) {
	h := pipelinetest.Of(t, upper)
	h.InputString("ab").InputMessage(nil, "cd").End()
	assert.Equal(t, `D"AB" MS D"CD" ME SE`, pipelinetest.Dump(h.Output()))
	assert.True(t, h.Ended())
}

func TestStreamEndsByItselfWhenSessionEndIsAbsorbed(t *testing.T) {
	h := pipelinetest.Of(t, swallow)
	h.InputString("x")
	assert.False(t, h.Ended())
	h.End()
	assert.True(t, h.Ended())
	assert.Equal(t, "SE", pipelinetest.Dump(h.Output()), "the stream must still deliver one SessionEnd")
}

func TestStreamHoldKeepsItOpenUntilRelease(t *testing.T) {
	var held *pipeline.Stream
	hold := fn{"hold", func(s *pipeline.Stream, evt event.Event, next pipeline.Target) {
		if _, ok := evt.(*event.SessionEnd); ok {
			held = s
			s.Hold()
			return
		}
		next.Input(evt)
	}}
	h := pipelinetest.Of(t, hold)
	h.InputString("a").End()
	require.False(t, h.Ended(), "a held stream stays open after SessionEnd went in")
	h.InputString("late")
	assert.Equal(t, `D"a"`, pipelinetest.Dump(h.Output()), "input after SessionEnd is dropped")
	held.Release()
	assert.True(t, h.Ended())
	assert.Equal(t, `D"a" SE`, pipelinetest.Dump(h.Output()))
}

func TestStreamEndsWhenSessionEndComesOutAndDropsLaterInput(t *testing.T) {
	var closed []string
	ender := fn{"ender", func(s *pipeline.Stream, evt event.Event, next pipeline.Target) {
		next.Input(evt)
		if d, ok := evt.(*event.Data); ok && d.String() == "bye" {
			next.Input(&event.SessionEnd{Err: event.ReadError, Message: "gone"})
		}
	}}
	onClose := fn{"onclose", func(s *pipeline.Stream, evt event.Event, next pipeline.Target) { next.Input(evt) }}
	h := pipelinetest.New(t, pipeline.New("p", ender, onClose), pipelinetest.WithSetup(func(h *pipelinetest.Harness) {}))
	h.Stream.OnClose(func() { closed = append(closed, "first") })
	h.Stream.OnClose(func() { closed = append(closed, "second") })
	h.InputString("bye").InputString("more")
	assert.Equal(t, `D"bye" SE(read error: gone)`, pipelinetest.Dump(h.Output()))
	assert.Equal(t, []string{"second", "first"}, closed, "OnClose functions run last registered first")
}

func TestPanicInCallbackEndsStreamWithRuntimeErrorNamingFilter(t *testing.T) {
	h := pipelinetest.Of(t, panicky{}, upper)
	h.InputString("ok").InputString("boom").InputString("after")
	se := h.SessionEnd()
	require.NotNil(t, se)
	assert.Equal(t, event.RuntimeError, se.Err)
	assert.Contains(t, se.Message, "panicky")
	assert.Contains(t, se.Message, "boom in callback")
	assert.Equal(t, `D"OK"`, pipelinetest.Dump(h.Output()[:1]))
	assert.Len(t, h.Output(), 2, "nothing after the failure")
}

func TestPanicOutsideCatchIsRecoveredAtStreamBoundary(t *testing.T) {
	bad := fn{"bad", func(*pipeline.Stream, event.Event, pipeline.Target) { panic("bug") }}
	h := pipelinetest.Of(t, bad)
	h.InputString("x")
	se := h.SessionEnd()
	require.NotNil(t, se)
	assert.Equal(t, event.RuntimeError, se.Err)
	assert.Contains(t, se.Message, "bug")
}

func TestFailEndsStreamWithKindAndCause(t *testing.T) {
	cause := errors.New("no route")
	failing := fn{"failing", func(s *pipeline.Stream, evt event.Event, next pipeline.Target) {
		s.Fail(event.CannotResolve, cause)
	}}
	h := pipelinetest.Of(t, failing)
	h.InputString("x")
	se := h.SessionEnd()
	require.NotNil(t, se)
	assert.Equal(t, event.CannotResolve, se.Err)
	assert.ErrorIs(t, se.Error(), cause)
}

func TestCloseRunsCleanupWithoutOutput(t *testing.T) {
	h := pipelinetest.Of(t, upper)
	ran := false
	h.Stream.OnClose(func() { ran = true })
	h.Stream.Close()
	assert.True(t, ran)
	h.InputString("x")
	assert.Empty(t, h.Output())
	assert.Zero(t, h.Worker.Streams())
}

func TestPostRunsOnWorkerAndIsDroppedAfterEnd(t *testing.T) {
	h := pipelinetest.Of(t)
	done := make(chan struct{})
	got := ""
	go func() {
		h.Stream.Post(func() { got = "posted" })
		close(done)
	}()
	<-done
	h.Run()
	assert.Equal(t, "posted", got)
	h.Stream.Close()
	h.Stream.Post(func() { got = "after close" })
	h.Run()
	assert.Equal(t, "posted", got)
}

func TestTimersFireOnManualClock(t *testing.T) {
	var fired []time.Duration
	h := pipelinetest.Of(t)
	start := h.Worker.Now()
	h.Stream.AfterFunc(2*time.Second, func() { fired = append(fired, h.Worker.Now().Sub(start)) })
	stopped := h.Stream.AfterFunc(time.Second, func() { fired = append(fired, -1) })
	h.Stream.AfterFunc(time.Second, func() { fired = append(fired, h.Worker.Now().Sub(start)) })
	assert.True(t, stopped.Stop())
	h.Advance(1500 * time.Millisecond)
	assert.Equal(t, []time.Duration{time.Second}, fired)
	h.Advance(time.Second)
	assert.Equal(t, []time.Duration{time.Second, 2 * time.Second}, fired)
}

func TestSubStreamSharesContextAndEndsOnce(t *testing.T) {
	sub := pipeline.New("sub", upper)
	linker := fn{"linker", nil}
	var child *pipeline.Stream
	linker.f = func(s *pipeline.Stream, evt event.Event, next pipeline.Target) {
		if child == nil {
			child = pipeline.NewStream(sub, s.Context(), next)
			s.OnClose(child.Close)
		}
		child.Input(evt)
	}
	h := pipelinetest.Of(t, linker)
	h.InputString("x").End()
	assert.Same(t, h.Context, child.Context())
	assert.Equal(t, `D"X" SE`, pipelinetest.Dump(h.Output()))
}

func TestEmitWritesMessageEvents(t *testing.T) {
	var got []event.Event
	pipeline.Emit(pipeline.TargetFunc(func(e event.Event) { got = append(got, e) }), event.NewMessage("h", "body"))
	assert.Equal(t, `MSh D"body" ME`, pipelinetest.Dump(got))
}

func TestEmitCases(t *testing.T) {
	body := event.FromString("hello")
	emptied := event.FromString("x")
	emptied.Skip(1)
	tests := []struct {
		name string
		msg  *event.Message
		want []string
	}{
		{"body", &event.Message{Head: "h", Body: body, Tail: "t"}, []string{"MessageStart h", "hello", "MessageEnd t"}},
		{"nil body", &event.Message{Head: "h"}, []string{"MessageStart h", "MessageEnd"}},
		{"empty body", &event.Message{Body: event.NewData()}, []string{"MessageStart", "MessageEnd"}},
		{"emptied body", &event.Message{Body: emptied}, []string{"MessageStart", "MessageEnd"}},
		{"NewMessage", event.NewMessage(map[string]int{"status": 200}, "ok"), []string{"MessageStart map[status:200]", "ok", "MessageEnd"}},
		{"NewMessage empty", event.NewMessage(nil, ""), []string{"MessageStart", "MessageEnd"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var evts []event.Event
			pipeline.Emit(pipeline.TargetFunc(func(e event.Event) { evts = append(evts, e) }), tt.msg)
			var got []string
			for _, e := range evts {
				got = append(got, e.String())
			}
			assert.Equal(t, tt.want, got)

			require.IsType(t, &event.MessageStart{}, evts[0])
			assert.Equal(t, tt.msg.Head, evts[0].(*event.MessageStart).Head)
			require.IsType(t, &event.MessageEnd{}, evts[len(evts)-1])
			assert.Equal(t, tt.msg.Tail, evts[len(evts)-1].(*event.MessageEnd).Tail)
			if len(evts) == 3 {
				assert.Same(t, tt.msg.Body, evts[1], "the body is handed over, not cloned")
			}
		})
	}
}

// TestGroupCloseClosesDetachedStreams checks that closing a group closes
// the streams no connection owns (shared mux streams, script sessions), so
// their sockets and processes are released, and counts them as closed.
func TestGroupCloseClosesDetachedStreams(t *testing.T) {
	g := pipeline.NewGroup(1, pipeline.WorkerOptions{Logger: pipelinetest.TestLogger(t)})
	w := g.Workers()[0]
	var order []string
	opened := make(chan struct{})
	w.Post(func() {
		p := pipeline.New("detached")
		for _, name := range []string{"a", "b", "c"} {
			s := pipeline.NewStream(p, pipeline.NewContext(w), nil)
			s.OnClose(func() {
				order = append(order, name)
				if name == "b" {
					// A stream opened by a cleanup is closed too.
					pipeline.NewStream(p, pipeline.NewContext(w), nil).OnClose(func() { order = append(order, "child") })
				}
			})
		}
		close(opened)
	})
	<-opened
	g.Close()
	assert.ElementsMatch(t, []string{"a", "b", "c", "child"}, order)
	assert.Zero(t, w.Streams())
}
