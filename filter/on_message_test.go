package filter_test

import (
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/require"
)

func TestOnMessageSeesEachCompleteMessage(t *testing.T) {
	var msgs []*event.Message
	f := filter.OnMessage(func(s *pipeline.Stream, m *event.Message) { msgs = append(msgs, m) })
	require.Equal(t, "onMessage", f.Info().Name)
	h := pipelinetest.Of(t, f)
	h.InputString("out")
	h.Input(&event.MessageStart{Head: "a"}, event.FromString("o"), event.FromString("n"), event.FromString("e"))
	require.Empty(t, msgs)
	require.Equal(t, `D"out" MSa D"o" D"n" D"e"`, pipelinetest.Dump(h.Take()), "events pass on as they come")
	h.Input(&event.MessageEnd{Tail: "t"})
	h.InputMessage("b", "").End()
	require.Len(t, msgs, 2)
	require.Equal(t, "a", msgs[0].Head)
	require.Equal(t, "one", msgs[0].Body.String())
	require.Equal(t, "t", msgs[0].Tail)
	require.Equal(t, "b", msgs[1].Head)
	require.NotNil(t, msgs[1].Body)
	require.True(t, msgs[1].Body.Empty())
	require.Equal(t, `D"out" MSa D"o" D"n" D"e" ME MSb ME SE`, pipelinetest.Dump(h.Output()))
}

func TestOnMessageUnfinishedMessageIsNotReported(t *testing.T) {
	calls := 0
	h := pipelinetest.Of(t, filter.OnMessage(func(*pipeline.Stream, *event.Message) { calls++ }))
	h.Input(&event.MessageStart{Head: "a"}, event.FromString("par"))
	h.Input(&event.SessionEnd{Err: event.ReadError})
	require.Zero(t, calls)
	require.Equal(t, `MSa D"par" SE(read error: )`, pipelinetest.Dump(h.Output()))
}

func TestOnMessagePanicEndsStream(t *testing.T) {
	calls := 0
	h := pipelinetest.Of(t, filter.OnMessage(func(*pipeline.Stream, *event.Message) {
		calls++
		panic("boom")
	}))
	h.InputMessage("a", "1").InputMessage("b", "2").End()
	require.Equal(t, 1, calls)
	se := h.SessionEnd()
	require.Equal(t, event.RuntimeError, se.Err)
	require.Contains(t, se.Message, "onMessage")
	require.Equal(t, `MSa D"1" SE(runtime error: onMessage: boom)`, pipelinetest.Dump(h.Output()))
}

func TestOnMessageNilCallbackPanics(t *testing.T) {
	require.PanicsWithValue(t, "filter: onMessage: nil callback", func() { filter.OnMessage(nil) })
}
