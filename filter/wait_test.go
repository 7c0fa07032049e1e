package filter_test

import (
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/require"
)

type waitKey struct{}

// waitReady is true once the context has a waitKey value; it counts calls.
func waitReady(calls *int) func(s *pipeline.Stream) bool {
	return func(s *pipeline.Stream) bool {
		*calls++
		return s.Context().Value(waitKey{}) != nil
	}
}

func TestWaitBuffersUntilNotifiedThenFlushesInOrder(t *testing.T) {
	calls := 0
	f := filter.Wait(waitReady(&calls))
	require.Equal(t, "wait", f.Info().Name)
	h := pipelinetest.Of(t, f)
	h.InputString("a").InputMessage("h", "b").InputString("c")
	require.Empty(t, h.Output())
	require.Equal(t, 5, calls, "tried on every event")

	h.Context.SetValue(waitKey{}, true)
	require.Empty(t, h.Output(), "nothing happens before a Notify or an event")
	h.Context.Notify()
	require.Equal(t, `D"a" MSh D"b" ME D"c"`, pipelinetest.Dump(h.Take()))

	h.InputString("d")
	require.Equal(t, `D"d"`, pipelinetest.Dump(h.Take()))
	h.Context.Notify()
	require.Equal(t, 6, calls, "not tried once open")
	h.End()
	require.True(t, h.Ended())
}

func TestWaitOpenFromTheStart(t *testing.T) {
	h := pipelinetest.Of(t, filter.Wait(func(*pipeline.Stream) bool { return true }))
	h.InputString("x").End()
	require.Equal(t, `D"x" SE`, pipelinetest.Dump(h.Output()))
}

func TestWaitOpensOnAnEvent(t *testing.T) {
	// The condition reads the stream's own input: open at the second Data.
	seen := 0
	counter := flowFunc(func(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
		return pipeline.TargetFunc(func(evt event.Event) { seen++; next.Input(evt) })
	})
	h := pipelinetest.Of(t, counter, filter.Wait(func(*pipeline.Stream) bool { return seen >= 2 }))
	h.InputString("1")
	require.Empty(t, h.Output())
	h.InputString("2")
	require.Equal(t, "12", h.OutputString())
}

func TestWaitHoldsTheStreamAfterSessionEnd(t *testing.T) {
	calls := 0
	h := pipelinetest.Of(t, filter.Wait(waitReady(&calls)))
	h.InputString("a").Input(event.End(event.ReadError, flowError("x")))
	require.False(t, h.Ended())
	h.Context.SetValue(waitKey{}, 1)
	h.Context.Notify()
	require.True(t, h.Ended())
	require.Equal(t, `D"a" SE(read error: test failure: x)`, pipelinetest.Dump(h.Output()))
}

func TestWaitIsNotifiedByAnotherStreamOfTheContext(t *testing.T) {
	calls := 0
	h := pipelinetest.Of(t, filter.Wait(waitReady(&calls)))
	h.InputString("a")
	// Another stream of the same family (a derived context, as demux makes)
	// sets the value; the worker notifies the root after its task.
	setter := flowFunc(func(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
		return pipeline.TargetFunc(func(evt event.Event) {
			s.Post(func() { s.Context().Root().SetValue(waitKey{}, true) })
		})
	})
	other := pipeline.NewStream(pipeline.New("setter", setter), h.Context.Derive(), nil)
	defer other.Close()
	other.Input(event.FromString("go"))
	require.Empty(t, h.Output())
	h.Run()
	require.Equal(t, "a", h.OutputString())
}

func TestWaitOnAForkSettingTheContext(t *testing.T) {
	// A fork sees the message first and marks the context; the wait after it
	// then lets the message through.
	mark := filter.OnMessageEnd(func(s *pipeline.Stream, _ *event.MessageEnd) { s.Context().SetValue(waitKey{}, true) })
	calls := 0
	h := pipelinetest.Of(t,
		filter.Fork(filter.ToPipeline(pipeline.New("mark", mark)), nil),
		filter.Wait(waitReady(&calls)))
	h.Input(&event.MessageStart{}, event.FromString("m"))
	require.Empty(t, h.Output())
	h.Input(&event.MessageEnd{})
	require.Equal(t, `MS D"m" ME`, pipelinetest.Dump(h.Output()))
}

func TestWaitStopsWatchingWhenClosed(t *testing.T) {
	calls := 0
	h := pipelinetest.Of(t, filter.Wait(waitReady(&calls)))
	h.InputString("a")
	h.Stream.Close()
	before := calls
	h.Context.Notify()
	require.Equal(t, before, calls)
}

func TestWaitConditionPanicEndsTheStream(t *testing.T) {
	h := pipelinetest.Of(t, filter.Wait(func(*pipeline.Stream) bool { panic("cond") }))
	h.InputString("a")
	require.Equal(t, event.RuntimeError, h.SessionEnd().Err)
	require.Contains(t, h.SessionEnd().Message, "wait")
	require.Empty(t, h.OutputString())
}

func TestWaitPanicsOnNilCondition(t *testing.T) {
	require.Panics(t, func() { filter.Wait(nil) })
}
