package http2_test

import (
	"testing"

	sh2 "github.com/sluice-go/sluice/codec/http2"
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/stretchr/testify/assert"
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
