package http2_test

import (
	"testing"

	"github.com/sluice-go/sluice/codec/http1"
	sh2 "github.com/sluice-go/sluice/codec/http2"
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
)

// TestBodilessAnswerIsOneHeadersFrame: an answer complete within the batch
// of its head, without body or trailers, goes out as one HEADERS frame with
// END_STREAM, its fields included. gRPC's errors are such answers
// (Trailers-Only: grpc-status in the only HEADERS); a HEADERS then an empty
// DATA would reach a gRPC client as "server closed the stream without
// sending trailers".
func TestBodilessAnswerIsOneHeadersFrame(t *testing.T) {
	addr, _ := serve(t, sh2.Options{}, filter.ReplaceMessage(func(_ *pipeline.Stream, _ *event.Message, out pipeline.Target) {
		out.Input(&event.MessageStart{Head: event.Fields{"status": 200, "headers": map[string]any{"grpc-status": "5"}}})
		out.Input(&event.MessageEnd{})
	}))
	r := dialRaw(t, addr)
	r.get(1, "/")
	f := r.until("answer", func(f http2.Frame) bool {
		h, ok := f.(*http2.MetaHeadersFrame)
		return ok && h.StreamID == 1
	}).(*http2.MetaHeadersFrame)
	assert.True(t, f.StreamEnded(), "END_STREAM on the answer's HEADERS")
	assert.Equal(t, "200", f.PseudoValue("status"))
	var status string
	for _, hf := range f.RegularFields() {
		if hf.Name == "grpc-status" {
			status = hf.Value
		}
	}
	assert.Equal(t, "5", status)
}

// TestHeadOfALaterBodyGoesOutAtOnce: an answer whose head comes without its
// body has its HEADERS sent at the end of the batch, not held until the
// body (a streaming answer's head reaches the client before its first
// message).
func TestHeadOfALaterBodyGoesOutAtOnce(t *testing.T) {
	addr, _ := serve(t, sh2.Options{}, filter.ReplaceMessage(func(_ *pipeline.Stream, _ *event.Message, out pipeline.Target) {
		out.Input(&event.MessageStart{Head: event.Fields{"status": 201}}) // and nothing more
	}))
	r := dialRaw(t, addr)
	r.get(1, "/")
	assert.Equal(t, "201", r.status(1))
}

// TestResetAfterTheAnswerBeganIsNoRapidReset: streams the client cancels
// once their answer has begun (a gRPC client cancelling a watch it is
// being sent) do not spend the rapid-reset budget: far more of them than
// MaxResets leave the connection serving.
func TestResetAfterTheAnswerBeganIsNoRapidReset(t *testing.T) {
	addr, _ := serve(t, sh2.Options{MaxResets: 3}, filter.ReplaceMessage(func(_ *pipeline.Stream, msg *event.Message, out pipeline.Target) {
		out.Input(&event.MessageStart{Head: event.Fields{"status": 200}})
		if msg.Head.(*http1.RequestHead).Path == "/done" {
			out.Input(&event.MessageEnd{})
		} // else an answer that goes on until the client cancels it
	}))
	r := dialRaw(t, addr)
	id := uint32(1)
	for range 10 {
		r.get(id, "/watch")
		assert.Equal(t, "200", r.status(id))
		require.NoError(t, r.fr.WriteRSTStream(id, http2.ErrCodeCancel))
		id += 2
	}
	r.get(id, "/done")
	assert.Equal(t, "200", r.status(id), "the connection still serves")
}
