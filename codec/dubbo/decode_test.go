package dubbo

import (
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// messagesOf converts harness messages to comparable msgs; every head must
// be a *Head.
func messagesOf(t *testing.T, ms []*event.Message) []msg {
	t.Helper()
	var out []msg
	for _, m := range ms {
		h, ok := m.Head.(*Head)
		require.True(t, ok, "head is %T, want *Head", m.Head)
		out = append(out, msg{*h, m.Body.String()})
	}
	return out
}

func TestDecodeFilterSplits(t *testing.T) {
	wire := cat(frame(0xc2, 0, 1, "hello"), frame(0xe2, 0, 2, ""), frame(0x02, 20, 1, "world!"))
	want := []msg{
		{Head{ID: 1, IsRequest: true, IsTwoWay: true, Serialization: 2}, "hello"},
		{Head{ID: 2, IsRequest: true, IsTwoWay: true, IsEvent: true, Serialization: 2}, ""},
		{Head{ID: 1, Status: 20, Serialization: 2}, "world!"},
	}
	for _, parts := range pipelinetest.Splits(wire) {
		h := pipelinetest.Of(t, Decode())
		for _, p := range parts {
			h.InputBytes(p)
		}
		h.End()
		require.Equal(t, want, messagesOf(t, h.Messages()), "parts %q", parts)
		se := h.SessionEnd()
		require.NotNil(t, se)
		require.Equal(t, event.NoError, se.Err)
		require.True(t, h.Ended())
	}
}

func TestDecodeFilterEvents(t *testing.T) {
	h := pipelinetest.Of(t, Decode())
	wire := frame(0xc2, 0, 3, "abcd")
	h.InputBytes(wire[:18]).InputBytes(wire[18:]).End()
	assert.Equal(t,
		`MSdubbo request id=3 two-way serialization=2 D"ab" D"cd" ME SE`,
		pipelinetest.Dump(h.Output()))
}

func TestDecodeFilterBadMagic(t *testing.T) {
	h := pipelinetest.Of(t, Decode())
	h.InputBytes(frame(0x02, 20, 1, "ok"))
	h.InputString("HTTP/1.1 200 OK\r\n")
	require.True(t, h.Ended())
	assert.Equal(t, []msg{{Head{ID: 1, Status: 20, Serialization: 2}, "ok"}}, messagesOf(t, h.Messages()))
	se := h.SessionEnd()
	require.NotNil(t, se)
	assert.Equal(t, event.ProtocolError, se.Err)
	var syn *SyntaxError
	require.ErrorAs(t, se.Cause, &syn)
	assert.Equal(t, int64(18), syn.Offset)
	assert.ErrorIs(t, se.Cause, ErrBadMagic)
	assert.Equal(t, "dubbo: bad magic 0x4854 at byte 18", se.Message)
}

func TestDecodeFilterBodyTooLarge(t *testing.T) {
	h := pipelinetest.Of(t, &DecodeFilter{Options: Options{MaxBodySize: 4}})
	h.InputBytes(frame(0xc2, 0, 1, "12345"))
	se := h.SessionEnd()
	require.NotNil(t, se)
	assert.Equal(t, event.ProtocolError, se.Err)
	assert.ErrorIs(t, se.Cause, ErrBodyTooLarge)
	assert.Empty(t, h.Messages())
}

func TestDecodeFilterTruncated(t *testing.T) {
	wire := frame(0xc2, 0, 1, "hello")
	for _, n := range []int{3, HeaderSize, HeaderSize + 2} {
		h := pipelinetest.Of(t, Decode())
		h.InputBytes(wire[:n]).End()
		se := h.SessionEnd()
		require.NotNil(t, se)
		assert.Equal(t, event.ProtocolError, se.Err, "cut at %d", n)
		assert.ErrorIs(t, se.Cause, ErrTruncated, "cut at %d", n)
		assert.Empty(t, h.Messages(), "a cut message must not look complete")
	}
}

func TestDecodeFilterTruncatedByError(t *testing.T) {
	// A read error explains the cut better than the cut itself: it passes on.
	h := pipelinetest.Of(t, Decode())
	h.InputBytes(frame(0xc2, 0, 1, "hello")[:20])
	h.Input(&event.SessionEnd{Err: event.ReadError, Message: "reset"})
	se := h.SessionEnd()
	require.NotNil(t, se)
	assert.Equal(t, event.ReadError, se.Err)
	assert.Equal(t, "reset", se.Message)
}

func TestDecodeFilterIgnoresInputFraming(t *testing.T) {
	h := pipelinetest.Of(t, Decode())
	wire := frame(0x82, 0, 4, "body")
	h.Input(&event.MessageStart{Head: "outer"}, event.FromBytes(wire[:10]), &event.MessageEnd{})
	h.Input(&event.MessageStart{}, event.FromBytes(wire[10:]), &event.MessageEnd{})
	h.End()
	assert.Equal(t, []msg{{Head{ID: 4, IsRequest: true, Serialization: 2}, "body"}}, messagesOf(t, h.Messages()))
	assert.Equal(t, event.NoError, h.SessionEnd().Err)
}

func TestDecodeFilterDownstreamFailure(t *testing.T) {
	// A downstream filter that fails at the first MessageStart ends the
	// stream; the decoder stops emitting into it.
	var seen int
	failing := filterFunc(func(s *pipeline.Stream, next pipeline.Target, evt event.Event) {
		seen++
		if _, ok := evt.(*event.MessageStart); ok {
			panic("boom")
		}
		next.Input(evt)
	})
	h := pipelinetest.Of(t, Decode(), failing)
	h.InputBytes(cat(frame(0xc2, 0, 1, "a"), frame(0xc2, 0, 2, "b")))
	se := h.SessionEnd()
	require.NotNil(t, se)
	assert.Equal(t, event.RuntimeError, se.Err)
	assert.Equal(t, 1, seen)
}

func TestDecodeFilterInfo(t *testing.T) {
	assert.Equal(t, "decodeDubbo", Decode().Info().Name)
	assert.Equal(t, "encodeDubbo", Encode(nil).Info().Name)
}

// filterFunc is a test filter calling fn for each event.
type filterFunc func(s *pipeline.Stream, next pipeline.Target, evt event.Event)

func (f filterFunc) Info() pipeline.Info { return pipeline.Info{Name: "test"} }

func (f filterFunc) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	return pipeline.TargetFunc(func(evt event.Event) { f(s, next, evt) })
}
