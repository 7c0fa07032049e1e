package filter_test

import (
	"errors"
	"testing"
	"time"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
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
			if called != 1 || h.Ended() {
				t.Fatalf("at the bound: called %d, ended %v", called, h.Ended())
			}
			h.Input(&event.MessageStart{}, event.FromString("12345"), event.FromString("6789"), &event.MessageEnd{})
			se := h.SessionEnd()
			if called != 1 || se == nil || se.Err != event.BufferOverflow || !errors.Is(se.Cause, event.ErrBodyTooLarge) {
				t.Fatalf("past the bound: called %d, session end %v", called, se)
			}
		})
	}
}

// With no options, the bound is event.DefaultMaxBodySize.
func TestCollectingFiltersDefaultBound(t *testing.T) {
	h := pipelinetest.Of(t, filter.OnMessageBody(func(*pipeline.Stream, *event.Data) {}))
	h.Input(&event.MessageStart{}, event.FromBytes(make([]byte, event.DefaultMaxBodySize)))
	if h.Ended() {
		t.Fatal("ended at the default bound")
	}
	h.Input(event.FromString("x"))
	if se := h.SessionEnd(); se == nil || se.Err != event.BufferOverflow {
		t.Fatalf("session end %v", se)
	}
}

func TestMuxBoundsTheRequestBody(t *testing.T) {
	r := newMuxRig(t, filter.Mux(filter.To("back"), nil, filter.MuxOptions{MaxBodySize: 4}), flowAnswer("re:", nil))
	u := r.user().send("abcd")
	if got := u.bodies(); len(got) != 1 || got[0] != "re:abcd" {
		t.Fatalf("at the bound: %v", got)
	}
	u.send("abcde")
	r.advance(time.Second)
	evts := u.out.evts
	se, _ := evts[len(evts)-1].(*event.SessionEnd)
	if se == nil || se.Err != event.BufferOverflow || !errors.Is(se.Cause, event.ErrBodyTooLarge) {
		t.Fatalf("past the bound: %s", pipelinetest.Dump(evts))
	}
}
