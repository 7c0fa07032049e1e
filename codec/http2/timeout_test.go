package http2_test

import (
	"bytes"
	"testing"
	"time"

	sh2 "github.com/sluice-go/sluice/codec/http2"
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/assert"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// goawayIn returns the code of the GOAWAY in the bytes of out, and whether
// there was one.
func goawayIn(t *testing.T, out []event.Event) (http2.ErrCode, bool) {
	for _, f := range framesIn(out) {
		if g, ok := f.(*http2.GoAwayFrame); ok {
			return g.ErrCode, true
		}
	}
	return 0, false
}

// TestHeaderBlockTrickleTimesOut: a header block left incomplete (a
// HEADERS without END_HEADERS, CONTINUATIONs trickling) ends the
// connection after the head timeout, on the worker's clock.
func TestHeaderBlockTrickleTimesOut(t *testing.T) {
	echoP := pipeline.New("echo", filter.ReplaceMessage(echo))
	h := pipelinetest.Of(t, sh2.DemuxHTTP(filter.ToPipeline(echoP), sh2.Options{HeadTimeout: 5 * time.Second}))
	var b bytes.Buffer
	fr := http2.NewFramer(&b, nil)
	blk := getBlock()
	_ = fr.WriteSettings()
	_ = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: blk[:2]})
	h.InputBytes(append([]byte(http2.ClientPreface), b.Bytes()...))
	b.Reset()
	_ = fr.WriteContinuation(1, false, blk[2:3])
	h.Advance(4 * time.Second).InputBytes(bytes.Clone(b.Bytes()))
	_, ok := goawayIn(t, h.Output())
	assert.False(t, ok, "not before the timeout")
	h.Advance(2 * time.Second)
	code, ok := goawayIn(t, h.Output())
	assert.True(t, ok)
	assert.Equal(t, http2.ErrCodeEnhanceYourCalm, code)
	assert.NotNil(t, h.SessionEnd())
}

// TestClosingTheConnectionClosesRequestStreams: when the connection's
// stream is closed from outside, the request streams still open are closed
// too (their upstream connections with them).
func TestClosingTheConnectionClosesRequestStreams(t *testing.T) {
	closed := make(chan struct{}, 1)
	target := pipeline.New("hang", onClose{closed})
	h := pipelinetest.Of(t, sh2.DemuxHTTP(filter.ToPipeline(target)))
	var b bytes.Buffer
	fr := http2.NewFramer(&b, nil)
	blk := getBlock()
	_ = fr.WriteSettings()
	_ = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: blk, EndStream: true, EndHeaders: true})
	h.InputBytes(append([]byte(http2.ClientPreface), b.Bytes()...))
	assert.Empty(t, closed)
	h.Stream.Close()
	assert.Len(t, closed, 1)
}

// onClose never answers, and reports its stream's close.
type onClose struct{ closed chan struct{} }

func (onClose) Info() pipeline.Info { return pipeline.Info{Name: "onClose"} }
func (o onClose) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	s.OnClose(func() { o.closed <- struct{}{} })
	return pipeline.TargetFunc(func(event.Event) {})
}

// getBlock is the HPACK block of a GET of "/", with a fresh encoder.
func getBlock() []byte {
	var hb bytes.Buffer
	enc := hpack.NewEncoder(&hb)
	for _, f := range []hpack.HeaderField{{Name: ":method", Value: "GET"}, {Name: ":scheme", Value: "http"}, {Name: ":path", Value: "/"}} {
		_ = enc.WriteField(f)
	}
	return hb.Bytes()
}

// framesIn returns the frames in the bytes of out, headers decoded.
func framesIn(out []event.Event) []http2.Frame {
	var b []byte
	for _, e := range out {
		if d, ok := e.(*event.Data); ok {
			b = d.AppendTo(b)
		}
	}
	fr := http2.NewFramer(nil, bytes.NewReader(b))
	fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	var fs []http2.Frame
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			return fs
		}
		fs = append(fs, f)
	}
}

// TestStalledRequestBodyAnswered408: a request body with no DATA for the
// body timeout (restarted by each DATA) is answered 408 and its sending
// stopped with RST_STREAM(NO_ERROR), on the worker's clock; the connection
// goes on.
func TestStalledRequestBodyAnswered408(t *testing.T) {
	echoP := pipeline.New("echo", filter.ReplaceMessage(echo))
	h := pipelinetest.Of(t, sh2.DemuxHTTP(filter.ToPipeline(echoP), sh2.Options{BodyTimeout: 30 * time.Second}))
	var b bytes.Buffer
	fr := http2.NewFramer(&b, nil)
	_ = fr.WriteSettings()
	_ = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: getBlock(), EndHeaders: true})
	_ = fr.WriteData(1, false, []byte("a"))
	h.InputBytes(append([]byte(http2.ClientPreface), b.Bytes()...))
	h.Advance(20 * time.Second)
	b.Reset()
	_ = fr.WriteData(1, false, []byte("b")) // progress: the wait starts again
	h.InputBytes(bytes.Clone(b.Bytes()))
	h.Advance(29 * time.Second)
	status := func(id uint32) (string, bool) {
		for _, f := range framesIn(h.Output()) {
			if m, ok := f.(*http2.MetaHeadersFrame); ok && m.StreamID == id {
				return m.PseudoValue("status"), m.StreamEnded()
			}
		}
		return "", false
	}
	_, answered := status(1)
	assert.False(t, answered, "not before the body timeout")
	h.Advance(time.Second)
	st, end := status(1)
	assert.Equal(t, "408", st)
	assert.True(t, end, "the 408 ends the stream")
	var rst *http2.RSTStreamFrame
	for _, f := range framesIn(h.Output()) {
		if r, ok := f.(*http2.RSTStreamFrame); ok {
			rst = r
		}
	}
	if assert.NotNil(t, rst) {
		assert.Equal(t, uint32(1), rst.StreamID)
		assert.Equal(t, http2.ErrCodeNo, rst.ErrCode)
	}
	b.Reset()
	_ = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 3, BlockFragment: getBlock(), EndStream: true, EndHeaders: true})
	h.InputBytes(bytes.Clone(b.Bytes()))
	st, _ = status(3)
	assert.Equal(t, "200", st, "the connection goes on")
	assert.False(t, h.Ended())
}
