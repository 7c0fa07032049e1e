package http2_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	sh2 "github.com/sluice-go/sluice/codec/http2"
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
)

// TestDrainInTwoSteps: a drain sends GOAWAY with the largest stream id and
// a PING (RFC 9113 section 6.8); a request the client sends before it
// acknowledges the PING is still served, and the GOAWAY after the ack names
// it as the last stream; a request after that is ignored; the open streams
// finish and the connection ends.
func TestDrainInTwoSteps(t *testing.T) {
	addr, srv := serve(t, sh2.Options{})
	r := dialRaw(t, addr)
	// stream 1 stays open: its body is not complete yet
	require.NoError(t, r.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: r.block("/a"), EndHeaders: true}))
	// the server's SETTINGS: it took the connection for HTTP/2
	r.until("SETTINGS", func(f http2.Frame) bool { sf, ok := f.(*http2.SettingsFrame); return ok && !sf.IsAck() })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(ctx) }()

	first := r.until("the first GOAWAY", func(f http2.Frame) bool { _, ok := f.(*http2.GoAwayFrame); return ok }).(*http2.GoAwayFrame)
	assert.Equal(t, uint32(1<<31-1), first.LastStreamID)
	assert.Equal(t, http2.ErrCodeNo, first.ErrCode)
	ping := r.until("the PING", func(f http2.Frame) bool { p, ok := f.(*http2.PingFrame); return ok && !p.IsAck() }).(*http2.PingFrame)
	r.get(3, "/in-flight") // sent before the client saw the GOAWAY
	require.NoError(t, r.fr.WritePing(true, ping.Data))
	assert.Equal(t, "GET /in-flight HTTP/2 scheme=http host=x\n", r.body(3))
	last := r.until("the last GOAWAY", func(f http2.Frame) bool { _, ok := f.(*http2.GoAwayFrame); return ok }).(*http2.GoAwayFrame)
	assert.Equal(t, uint32(3), last.LastStreamID)
	r.get(5, "/late") // ignored
	require.NoError(t, r.fr.WriteData(1, true, []byte("body")))
	var got []string
	for {
		f, err := r.fr.ReadFrame()
		if err != nil {
			assert.True(t, errors.Is(err, io.EOF), "the connection ends: %v", err)
			break
		}
		switch f := f.(type) {
		case *http2.DataFrame:
			got = append(got, string(f.Data()))
		case *http2.MetaHeadersFrame:
			assert.Equal(t, uint32(1), f.StreamID, "only stream 1 is answered")
		case *http2.RSTStreamFrame:
			t.Errorf("stream %d reset", f.StreamID)
		}
	}
	assert.Equal(t, "GET /a HTTP/2 scheme=http host=x\nbody", strings.Join(got, ""))
	require.NoError(t, <-done)
}

// TestDrainPingUnanswered: a client that does not acknowledge the drain's
// PING gets the last GOAWAY after a second on the worker's clock, and an
// idle connection then ends.
func TestDrainPingUnanswered(t *testing.T) {
	echoP := pipeline.New("echo", filter.ReplaceMessage(echo))
	h := pipelinetest.Of(t, sh2.DemuxHTTP(filter.ToPipeline(echoP)))
	var b []byte
	b = append(b, http2.ClientPreface...)
	h.InputBytes(append(b, settingsFrame()...))
	h.Context.RequestTracker().Drain(false)
	h.Run()
	ids := goawayIDs(h.Output())
	assert.Equal(t, []uint32{1<<31 - 1}, ids)
	h.Advance(999 * time.Millisecond)
	assert.Len(t, goawayIDs(h.Output()), 1, "not before the second")
	assert.False(t, h.Ended())
	h.Advance(time.Millisecond)
	assert.Equal(t, []uint32{1<<31 - 1, 0}, goawayIDs(h.Output()))
	assert.True(t, h.Ended())
}

// settingsFrame is an empty SETTINGS frame.
func settingsFrame() []byte {
	var b bytes.Buffer
	_ = http2.NewFramer(&b, nil).WriteSettings()
	return b.Bytes()
}

// goawayIDs returns the last-stream ids of the GOAWAYs in the bytes of out.
func goawayIDs(out []event.Event) []uint32 {
	var ids []uint32
	for _, f := range framesIn(out) {
		if g, ok := f.(*http2.GoAwayFrame); ok {
			ids = append(ids, g.LastStreamID)
		}
	}
	return ids
}
