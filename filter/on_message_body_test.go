package filter_test

import (
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/require"
)

func TestOnMessageBodyBodySplitOverManyData(t *testing.T) {
	const body = "hello, world"
	for _, pieces := range pipelinetest.Splits([]byte(body)) {
		var bodies []string
		f := filter.OnMessageBody(func(s *pipeline.Stream, b *event.Data) { bodies = append(bodies, b.String()) })
		require.Equal(t, "onMessageBody", f.Info().Name)
		h := pipelinetest.Of(t, f)
		start := &event.MessageStart{Head: "m"}
		h.Input(start)
		require.Equal(t, []event.Event{start}, h.Take(), "MessageStart passes on when it comes")
		for _, p := range pieces {
			d := event.FromString(string(p))
			h.Input(d)
			require.Equal(t, []event.Event{d}, h.Take(), "Data passes on when it comes")
		}
		require.Empty(t, bodies)
		h.Input(&event.MessageEnd{}).End()
		require.Equal(t, []string{body}, bodies)
		require.Equal(t, body, h.OutputString())
	}
}

func TestOnMessageBodyEachMessageAndOnlyMessages(t *testing.T) {
	var bodies []*event.Data
	h := pipelinetest.Of(t, filter.OnMessageBody(func(s *pipeline.Stream, b *event.Data) { bodies = append(bodies, b) }))
	h.InputString("out").InputMessage("a", "one").InputString("side").InputMessage("b", "").InputMessage("c", "three").End()
	require.Len(t, bodies, 3)
	require.Equal(t, "one", bodies[0].String())
	require.NotNil(t, bodies[1])
	require.True(t, bodies[1].Empty())
	require.Equal(t, "three", bodies[2].String())
	require.Equal(t, `D"out" MSa D"one" ME D"side" MSb ME MSc D"three" ME SE`, pipelinetest.Dump(h.Output()))
}

func TestOnMessageBodyKeepsBytesWhenDownstreamConsumes(t *testing.T) {
	var body string
	consume := filter.ReplaceData(func(s *pipeline.Stream, d *event.Data, out pipeline.Target) {
		d.Skip(d.Len())
	})
	h := pipelinetest.Of(t,
		filter.OnMessageBody(func(s *pipeline.Stream, b *event.Data) { body = b.String() }),
		consume)
	h.Input(&event.MessageStart{}, event.FromString("abc"), event.FromString("def"), &event.MessageEnd{}).End()
	require.Equal(t, "abcdef", body)
	require.Equal(t, `MS ME SE`, pipelinetest.Dump(h.Output()))
}

func TestOnMessageBodyUnfinishedMessageIsNotReported(t *testing.T) {
	calls := 0
	h := pipelinetest.Of(t, filter.OnMessageBody(func(*pipeline.Stream, *event.Data) { calls++ }))
	h.Input(&event.MessageStart{}, event.FromString("par")).End()
	require.Zero(t, calls)
	require.Equal(t, `MS D"par" SE`, pipelinetest.Dump(h.Output()))
}

func TestOnMessageBodyPanicEndsStream(t *testing.T) {
	calls := 0
	h := pipelinetest.Of(t, filter.OnMessageBody(func(*pipeline.Stream, *event.Data) {
		calls++
		panic("boom")
	}))
	h.InputMessage("a", "1").InputMessage("b", "2").End()
	require.Equal(t, 1, calls)
	require.Equal(t, event.RuntimeError, h.SessionEnd().Err)
	require.Equal(t, `MSa D"1" SE(runtime error: onMessageBody: boom)`, pipelinetest.Dump(h.Output()))
}

func TestOnMessageBodyNilCallbackPanics(t *testing.T) {
	require.PanicsWithValue(t, "filter: onMessageBody: nil callback", func() { filter.OnMessageBody(nil) })
}
