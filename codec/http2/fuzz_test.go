package http2_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	sh2 "github.com/sluice-go/sluice/codec/http2"
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"golang.org/x/net/http2"
)

// FuzzServerConn feeds a connection preface and then any bytes, in two
// pieces split at cut, to demuxHTTP serving the echo pipeline. For any
// input it must not panic, and what it writes back must be a well-formed
// sequence of HTTP/2 frames (the server's SETTINGS first), ending in a
// GOAWAY if it ended the connection itself.
func FuzzServerConn(f *testing.F) {
	for _, seed := range fuzzSeeds() {
		f.Add(seed, uint16(len(seed)/2))
	}
	echoP := pipeline.New("echo", filter.ReplaceMessage(echo))
	f.Fuzz(func(t *testing.T, data []byte, cut uint16) {
		in := append([]byte(http2.ClientPreface), data...)
		k := len(http2.ClientPreface) + int(cut)%(len(data)+1)
		h := pipelinetest.Of(t, sh2.DemuxHTTP(filter.ToPipeline(echoP), sh2.Options{MaxFrameSize: 16384, MaxHeaderListSize: 4096, MaxControlFrames: 16}))
		h.InputBytes(in[:k]).InputBytes(in[k:]).End().Run()
		var out []byte
		for _, e := range h.Output() {
			if d, ok := e.(*event.Data); ok {
				out = d.AppendTo(out)
			}
		}
		fr := http2.NewFramer(io.Discard, bytes.NewReader(out))
		fr.SetMaxReadFrameSize(1 << 24)
		fr.AllowIllegalReads = true
		for i := 0; ; i++ {
			fm, err := fr.ReadFrame()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("frame %d of the output: %v", i, err)
			}
			if _, ok := fm.(*http2.SettingsFrame); i == 0 && !ok {
				t.Fatalf("the first frame is %v, not SETTINGS", fm.Header())
			}
		}
	})
}

// fuzzSeeds are client frame sequences (after the preface): requests with
// bodies and trailers, pings, window updates, resets, and some mistakes.
func fuzzSeeds() [][]byte {
	var seeds [][]byte
	build := func(fn func(fr *http2.Framer, enc func(...string) []byte)) {
		seeds = append(seeds, sh2.FrameSeed(func(fr *http2.Framer) {
			_ = fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 100})
		}, fn))
	}
	get := []string{":method", "GET", ":scheme", "http", ":authority", "x", ":path", "/a"}
	build(func(fr *http2.Framer, enc func(...string) []byte) {
		_ = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: enc(get...), EndStream: true, EndHeaders: true})
	})
	build(func(fr *http2.Framer, enc func(...string) []byte) {
		post := []string{":method", "POST", ":scheme", "http", ":authority", "x", ":path", "/p", "content-length", "5"}
		_ = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: enc(post...), EndHeaders: true})
		_ = fr.WriteData(1, false, []byte("hel"))
		_ = fr.WriteData(1, false, []byte("lo"))
		_ = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: enc("grpc-status", "0"), EndStream: true, EndHeaders: true})
		_ = fr.WriteWindowUpdate(0, 1000)
		_ = fr.WriteWindowUpdate(1, 1000)
	})
	build(func(fr *http2.Framer, enc func(...string) []byte) {
		blk := enc(append(get, "x-long", "0123456789abcdef0123456789")...)
		_ = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 3, BlockFragment: blk[:10]})
		_ = fr.WriteContinuation(3, false, blk[10:20])
		_ = fr.WriteContinuation(3, true, blk[20:])
		_ = fr.WritePing(false, [8]byte{1, 2, 3})
		_ = fr.WriteRSTStream(3, http2.ErrCodeCancel)
		_ = fr.WritePriority(5, http2.PriorityParam{StreamDep: 5})
		_ = fr.WriteGoAway(0, http2.ErrCodeNo, nil)
	})
	build(func(fr *http2.Framer, enc func(...string) []byte) {
		_ = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 2, BlockFragment: enc(get...), EndStream: true, EndHeaders: true})
		_ = fr.WriteData(7, true, []byte("x"))
	})
	return seeds
}
