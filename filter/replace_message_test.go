package filter_test

import (
	"fmt"
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/require"
)

func TestReplaceMessageReplacesEachWholeMessage(t *testing.T) {
	var got []*event.Message
	f := filter.ReplaceMessage(func(s *pipeline.Stream, m *event.Message, out pipeline.Target) {
		got = append(got, m)
		pipeline.Emit(out, event.NewMessage(fmt.Sprintf("re:%v", m.Head), "hello"))
	})
	require.Equal(t, "replaceMessage", f.Info().Name)
	h := pipelinetest.Of(t, f)
	h.Input(&event.MessageStart{Head: "a"}, event.FromString("o"), event.FromString("ne"))
	require.Empty(t, h.Take(), "the message is held")
	h.Input(&event.MessageEnd{Tail: "t"})
	h.InputString("side").InputMessage("b", "").End()
	require.Len(t, got, 2)
	require.Equal(t, "a", got[0].Head)
	require.Equal(t, "one", got[0].Body.String())
	require.Equal(t, "t", got[0].Tail)
	require.Equal(t, "b", got[1].Head)
	require.True(t, got[1].Body.Empty())
	require.Equal(t, `MSre:a D"hello" ME D"side" MSre:b D"hello" ME SE`, pipelinetest.Dump(h.Output()))
}

func TestReplaceMessageWithTwoMessagesOrNothing(t *testing.T) {
	h := pipelinetest.Of(t, filter.ReplaceMessage(func(s *pipeline.Stream, m *event.Message, out pipeline.Target) {
		if m.Head == "drop" {
			return
		}
		pipeline.Emit(out, event.NewMessage(m.Head, "first"))
		pipeline.Emit(out, &event.Message{Head: m.Head, Body: m.Body})
	}))
	h.InputMessage("a", "body").InputMessage("drop", "x").InputString("side").End()
	require.Equal(t, `MSa D"first" ME MSa D"body" ME D"side" SE`, pipelinetest.Dump(h.Output()))
	require.Len(t, h.Messages(), 2)
}

func TestReplaceMessageUnfinishedMessage(t *testing.T) {
	calls := 0
	h := pipelinetest.Of(t, filter.ReplaceMessage(func(*pipeline.Stream, *event.Message, pipeline.Target) { calls++ }))
	h.InputString("x").Input(&event.MessageStart{}, event.FromString("par")).End()
	require.Zero(t, calls)
	require.Equal(t, `D"x" SE`, pipelinetest.Dump(h.Output()))
}

func TestReplaceMessagePanicEndsStream(t *testing.T) {
	calls := 0
	h := pipelinetest.Of(t, filter.ReplaceMessage(func(s *pipeline.Stream, m *event.Message, out pipeline.Target) {
		calls++
		out.Input(&event.MessageStart{Head: "half"})
		panic("boom")
	}))
	h.InputMessage("a", "1").InputMessage("b", "2").End()
	require.Equal(t, 1, calls)
	require.Equal(t, event.RuntimeError, h.SessionEnd().Err)
	require.Equal(t, `MShalf SE(runtime error: replaceMessage: boom)`, pipelinetest.Dump(h.Output()))
}

func TestReplaceMessageNilCallbackPanics(t *testing.T) {
	require.PanicsWithValue(t, "filter: replaceMessage: nil callback", func() { filter.ReplaceMessage(nil) })
}

func TestReplaceMessageHeadOnly(t *testing.T) {
	var heads []any
	var bodies []string
	h := pipelinetest.Of(t, filter.ReplaceMessage(func(s *pipeline.Stream, m *event.Message, out pipeline.Target) {
		heads, bodies = append(heads, m.Head), append(bodies, m.Body.String())
		pipeline.Emit(out, event.NewMessage("static", "answer"))
	}, filter.MessageOptions{HeadOnly: true, MaxBodySize: 4}))
	h.Input(&event.MessageStart{Head: "a"}, event.FromString("a body longer than the bound"), &event.MessageEnd{})
	h.InputMessage("b", "x").End()
	require.Equal(t, []any{"a", "b"}, heads)
	require.Equal(t, []string{"", ""}, bodies, "bodies are not collected")
	require.Equal(t, `MSstatic D"answer" ME MSstatic D"answer" ME SE`, pipelinetest.Dump(h.Output()),
		"the bound does not apply to bodies not kept, and their Data is dropped with the message")
}
