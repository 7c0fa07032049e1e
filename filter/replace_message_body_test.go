package filter_test

import (
	"strings"
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/require"
)

func upperBody(s *pipeline.Stream, body *event.Data) *event.Data {
	return event.FromString(strings.ToUpper(body.String()))
}

func TestReplaceMessageBodyBodySplitOverManyData(t *testing.T) {
	const body = "hello, world"
	for _, pieces := range pipelinetest.Splits([]byte(body)) {
		f := filter.ReplaceMessageBody(upperBody)
		require.Equal(t, "replaceMessageBody", f.Info().Name)
		h := pipelinetest.Of(t, f)
		h.Input(&event.MessageStart{Head: "m"})
		require.Equal(t, `MSm`, pipelinetest.Dump(h.Take()), "MessageStart passes on when it comes")
		for _, p := range pieces {
			h.InputBytes(p)
		}
		require.Empty(t, h.Take(), "the body is held")
		h.Input(&event.MessageEnd{Tail: "t"}).End()
		require.Equal(t, `D"HELLO, WORLD" ME SE`, pipelinetest.Dump(h.Take()))
		require.Equal(t, "t", h.Messages()[0].Tail)
	}
}

func TestReplaceMessageBodyEachMessageAndOnlyMessages(t *testing.T) {
	var bodies []string
	h := pipelinetest.Of(t, filter.ReplaceMessageBody(func(s *pipeline.Stream, body *event.Data) *event.Data {
		bodies = append(bodies, body.String())
		switch body.String() {
		case "":
			return event.FromString("was empty")
		case "drop":
			return nil
		}
		return body
	}))
	h.InputString("out").InputMessage("a", "same").InputMessage("b", "").InputString("side").InputMessage("c", "drop").End()
	require.Equal(t, []string{"same", "", "drop"}, bodies)
	require.Equal(t, `D"out" MSa D"same" ME MSb D"was empty" ME D"side" MSc ME SE`, pipelinetest.Dump(h.Output()))
}

func TestReplaceMessageBodyUnfinishedMessage(t *testing.T) {
	calls := 0
	h := pipelinetest.Of(t, filter.ReplaceMessageBody(func(s *pipeline.Stream, body *event.Data) *event.Data {
		calls++
		return body
	}))
	h.Input(&event.MessageStart{}, event.FromString("par")).End()
	require.Zero(t, calls)
	require.Equal(t, `MS SE`, pipelinetest.Dump(h.Output()))
}

func TestReplaceMessageBodyPanicEndsStream(t *testing.T) {
	calls := 0
	h := pipelinetest.Of(t, filter.ReplaceMessageBody(func(*pipeline.Stream, *event.Data) *event.Data {
		calls++
		panic("boom")
	}))
	h.InputMessage("a", "1").InputMessage("b", "2").End()
	require.Equal(t, 1, calls)
	se := h.SessionEnd()
	require.Equal(t, event.RuntimeError, se.Err)
	require.Contains(t, se.Message, "replaceMessageBody")
	require.Equal(t, `MSa SE(runtime error: replaceMessageBody: boom)`, pipelinetest.Dump(h.Output()))
}

func TestReplaceMessageBodyNilCallbackPanics(t *testing.T) {
	require.PanicsWithValue(t, "filter: replaceMessageBody: nil callback", func() { filter.ReplaceMessageBody(nil) })
}
