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

// Every filter that collects whole messages stops at its MaxBodySize: the
// stream ends with a BufferOverflow SessionEnd wrapping ErrBodyTooLarge and
// the callback is never called; at the bound the message passes.
func TestCollectingFiltersBoundTheBody(t *testing.T) {
	called := 0
	opts := filter.MessageOptions{MaxBodySize: 8}
	for name, f := range map[string]pipeline.Filter{
		"onMessage":          filter.OnMessage(func(*pipeline.Stream, *event.Message) { called++ }, opts),
		"onMessageBody":      filter.OnMessageBody(func(*pipeline.Stream, *event.Data) { called++ }, opts),
		"replaceMessage":     filter.ReplaceMessage(func(_ *pipeline.Stream, m *event.Message, out pipeline.Target) { called++; pipeline.Emit(out, m) }, opts),
		"replaceMessageBody": filter.ReplaceMessageBody(func(_ *pipeline.Stream, b *event.Data) *event.Data { called++; return b }, opts),
	} {
		t.Run(name, func(t *testing.T) {
			called = 0
			h := pipelinetest.Of(t, f)
			h.Input(&event.MessageStart{}, event.FromString("12345678"), &event.MessageEnd{})
			require.Equal(t, 1, called, "at the bound")
			require.False(t, h.Ended(), "at the bound")
			h.Input(&event.MessageStart{}, event.FromString("12345"), event.FromString("6789"), &event.MessageEnd{})
			se := h.SessionEnd()
			require.Equal(t, 1, called, "past the bound")
			require.NotNil(t, se, "past the bound")
			require.Equal(t, event.BufferOverflow, se.Err, "%v", se)
			require.ErrorIs(t, se.Cause, event.ErrBodyTooLarge)
		})
	}
}

// With no options, the bound is event.DefaultMaxBodySize.
func TestCollectingFiltersDefaultBound(t *testing.T) {
	h := pipelinetest.Of(t, filter.OnMessageBody(func(*pipeline.Stream, *event.Data) {}))
	h.Input(&event.MessageStart{}, event.FromBytes(make([]byte, event.DefaultMaxBodySize)))
	require.False(t, h.Ended(), "ended at the default bound")
	h.Input(event.FromString("x"))
	se := h.SessionEnd()
	require.NotNil(t, se)
	require.Equal(t, event.BufferOverflow, se.Err, "%v", se)
}

func TestMuxBoundsTheRequestBody(t *testing.T) {
	r := newMuxRig(t, filter.Mux(filter.To("back"), nil, filter.MuxOptions{MaxBodySize: 4}), flowAnswer("re:", nil))
	u := r.user().send("abcd")
	require.Equal(t, []string{"re:abcd"}, u.bodies(), "at the bound")
	u.send("abcde")
	r.advance(time.Second)
	evts := u.out.evts
	se, _ := evts[len(evts)-1].(*event.SessionEnd)
	require.NotNil(t, se, "past the bound: %s", pipelinetest.Dump(evts))
	require.Equal(t, event.BufferOverflow, se.Err, "past the bound: %s", pipelinetest.Dump(evts))
	require.ErrorIs(t, se.Cause, event.ErrBodyTooLarge)
}
