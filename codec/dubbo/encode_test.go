package dubbo

import (
	"strings"
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEncodeFilter(t *testing.T) {
	h := pipelinetest.Of(t, Encode(nil))
	h.InputMessage(map[string]any{"isRequest": true}, "hello")
	h.Input(&event.MessageStart{Head: &Head{ID: 9, Status: 20, Serialization: 2}},
		event.FromString("wor"), event.FromString("ld"), &event.MessageEnd{})
	h.InputMessage(nil, "")
	h.End()
	out := h.Output()
	require.Len(t, out, 10, "one message per frame, then SessionEnd: %s", pipelinetest.Dump(out))
	assert.Equal(t, string(frame(0xc2, 0, 1, "hello")), out[1].(*event.Data).String())
	assert.Equal(t, string(frame(0x02, 20, 9, "world")), out[4].(*event.Data).String())
	assert.Equal(t, string(frame(0xc2, 0, 2, "")), out[7].(*event.Data).String())
	assert.Equal(t, event.NoError, out[9].(*event.SessionEnd).Err)
}

// Pipy's encoders keep message boundaries: each frame comes out as a
// message whose head is the head written and whose body is the frame.
func TestPipyEncoderKeepsMessageBoundaries(t *testing.T) {
	h := pipelinetest.Of(t, Encode(nil))
	h.InputMessage(map[string]any{"id": "5", "isRequest": false}, "ok")
	msgs := h.Messages()
	require.Len(t, msgs, 1)
	assert.Equal(t, &Head{ID: 5, Status: StatusOK, Serialization: 2}, msgs[0].Head)
	assert.Equal(t, string(frame(0x02, 20, 5, "ok")), msgs[0].Body.String())
}

// Pipy: a head given to the encoder replaces the message's head.
func TestPipyEncoderHeadArgumentReplaces(t *testing.T) {
	arg := &Head{ID: 3, IsRequest: false, Status: StatusServiceError, Serialization: 2}
	h := pipelinetest.Of(t, Encode(arg))
	h.InputMessage(map[string]any{"id": "7", "status": StatusOK}, "err")
	h.InputMessage(&Head{ID: 8, IsRequest: true}, "again")
	assert.Equal(t, string(cat(frame(0x02, 70, 3, "err"), frame(0x02, 70, 3, "again"))), h.OutputString())
	msgs := h.Messages()
	require.Len(t, msgs, 2)
	assert.NotSame(t, arg, msgs[0].Head, "the filter's head is copied for each message")

	h = pipelinetest.Of(t, Encode(map[string]any{"isRequest": false}))
	h.InputMessage(map[string]any{"id": "7"}, "a").InputMessage(nil, "b")
	assert.Equal(t, string(cat(frame(0x02, 20, 1, "a"), frame(0x02, 20, 2, "b"))), h.OutputString(),
		"a static head without an id numbers the messages")
}

// Pipy: an HTTP head (any head read by name) fed to encodeDubbo gives a
// two-way request with a fresh id.
func TestPipyEncodeDubboAcceptsHTTPHead(t *testing.T) {
	h := pipelinetest.Of(t, Encode(nil))
	h.InputMessage(event.Fields{"method": "POST", "path": "/svc", "headers": map[string]any{"a": "1"}}, "call")
	assert.Equal(t, string(frame(0xc2, 0, 1, "call")), h.OutputString())
}

func TestEncodeFilterHeadFunction(t *testing.T) {
	calls := 0
	f := Encode(func(s *pipeline.Stream) any {
		calls++
		return map[string]any{"isEvent": calls == 2}
	})
	h := pipelinetest.Of(t, f)
	h.InputMessage(nil, "a").InputMessage(nil, "b")
	assert.Equal(t, 2, calls)
	assert.Equal(t, string(cat(frame(0xc2, 0, 1, "a"), frame(0xe2, 0, 2, "b"))), h.OutputString())
}

func TestEncodeFilterDefaultsFunctionPanics(t *testing.T) {
	h := pipelinetest.Of(t, Encode(func(*pipeline.Stream) any { panic("no head") }))
	h.InputMessage(nil, "a")
	se := h.SessionEnd()
	require.NotNil(t, se)
	assert.Equal(t, event.RuntimeError, se.Err)
	assert.Contains(t, se.Message, "no head")
	assert.Empty(t, h.OutputString())
}

func TestEncodeFilterInvalidHead(t *testing.T) {
	for _, tc := range []struct {
		name      string
		head, arg any
	}{
		{"bad message head", map[string]any{"status": 300}, nil},
		{"bad head type", "request", nil},
		{"bad head argument", nil, map[string]any{"isRequest": "yes"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := pipelinetest.Of(t, Encode(tc.arg))
			h.InputMessage(tc.head, "body")
			se := h.SessionEnd()
			require.NotNil(t, se)
			assert.Equal(t, event.RuntimeError, se.Err)
			assert.ErrorIs(t, se.Cause, ErrInvalidHead)
			assert.Empty(t, h.OutputString())
		})
	}
}

func TestEncodeFilterBodyLimit(t *testing.T) {
	h := pipelinetest.Of(t, &EncodeFilter{MaxBodySize: 5})
	h.InputMessage(nil, "12345")
	assert.Equal(t, string(frame(0xc2, 0, 1, "12345")), h.OutputString())
	h.Input(&event.MessageStart{}, event.FromString("123"), event.FromString("456"))
	se := h.SessionEnd()
	require.NotNil(t, se)
	assert.Equal(t, event.BufferOverflow, se.Err)
	assert.ErrorIs(t, se.Cause, ErrBodyTooLarge)
}

func TestEncodeFilterDataOutsideMessage(t *testing.T) {
	h := pipelinetest.Of(t, Encode(nil))
	h.InputString("raw").InputMessage(nil, "x").InputString("more")
	assert.Equal(t, "raw"+string(frame(0xc2, 0, 1, "x"))+"more", h.OutputString())
}

func TestEncodeFilterSessionEndMidMessage(t *testing.T) {
	h := pipelinetest.Of(t, Encode(nil))
	h.Input(&event.MessageStart{}, event.FromString("partial"))
	h.Input(&event.SessionEnd{Err: event.ReadError})
	assert.Equal(t, `SE(read error: )`, pipelinetest.Dump(h.Output()))
}

func TestEncodeFilterStrayMessageEnd(t *testing.T) {
	h := pipelinetest.Of(t, Encode(nil))
	h.Input(&event.MessageEnd{}).End()
	assert.Equal(t, "SE", pipelinetest.Dump(h.Output()))
}

func TestEncodeFilterSharesBody(t *testing.T) {
	body := event.FromString(strings.Repeat("s", 100))
	first := &body.Chunks()[0][0]
	h := pipelinetest.Of(t, Encode(nil))
	h.Input(&event.MessageStart{}, body, &event.MessageEnd{})
	out := h.Output()[1].(*event.Data)
	chunks := out.Chunks()
	require.Len(t, chunks, 2)
	assert.Same(t, first, &chunks[1][0], "the body must not be copied")
}

// A pipeline decodeDubbo → encodeDubbo reproduces its input, whatever the
// split.
func TestDecodeEncodePipelineRoundTrip(t *testing.T) {
	wire := cat(frame(0xc2, 0, 0, "hello"), frame(0xe2, 0, -7, ""), frame(0x3f, 255, 1, strings.Repeat("x", 40)))
	for _, parts := range pipelinetest.Splits(wire) {
		h := pipelinetest.Of(t, Decode(), Encode(nil))
		for _, p := range parts {
			h.InputBytes(p)
		}
		h.End()
		require.Equal(t, string(wire), h.OutputString())
		require.Equal(t, event.NoError, h.SessionEnd().Err)
	}
}

// A pipeline encodeDubbo → decodeDubbo gives back the messages, numbered.
func TestEncodeDecodePipelineRoundTrip(t *testing.T) {
	h := pipelinetest.Of(t, Encode(nil), Decode())
	h.InputMessage(map[string]any{"isRequest": true, "isTwoWay": false}, "one")
	h.InputMessage(map[string]any{"id": "1", "isRequest": false}, "two")
	h.End()
	assert.Equal(t, []msg{
		{Head{ID: 1, IsRequest: true, Serialization: 2}, "one"},
		{Head{ID: 1, Status: StatusOK, Serialization: 2}, "two"},
	}, messagesOf(t, h.Messages()))
}
