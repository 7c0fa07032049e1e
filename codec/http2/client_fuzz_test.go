package http2

import (
	"bytes"
	"testing"

	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// fakeCall records what a client stream gives back, and fails the test
// when the stream uses it after its end.
type fakeCall struct {
	t     *testing.T
	ended bool
	inMsg bool
	final bool
}

func (c *fakeCall) Answer(evt event.Event) {
	if c.ended {
		c.t.Fatalf("answer event %v after the end", evt)
	}
	switch e := evt.(type) {
	case *event.MessageStart:
		if c.inMsg {
			c.t.Fatalf("MessageStart in a message")
		}
		c.inMsg = true
		c.final = e.Head.(*http1.ResponseHead).Status >= 200
	case *event.MessageEnd:
		if !c.inMsg {
			c.t.Fatalf("MessageEnd outside a message")
		}
		c.inMsg = false
		c.ended = c.final
	case *event.Data:
		if !c.inMsg || !c.final {
			c.t.Fatalf("Data outside the final answer")
		}
	}
}

func (c *fakeCall) Fail(*event.SessionEnd) {
	if c.ended {
		c.t.Fatalf("Fail after the end")
	}
	c.ended = true
}

func (c *fakeCall) Retry() bool { return false }

// FuzzClientConn feeds an HTTP/2 client connection carrying three requests
// (a GET, a POST with a body, one with trailers) the bytes of a hostile
// upstream, in two pieces split at cut, then the connection's end. For any
// input it must not panic, each request must end exactly once (its final
// answer complete, or failed) or wait in the pool for another connection,
// and nothing may reach a request after its end.
func FuzzClientConn(f *testing.F) {
	for _, seed := range clientFuzzSeeds() {
		f.Add(seed, uint16(len(seed)/2))
	}
	f.Fuzz(func(t *testing.T, data []byte, cut uint16) {
		w := pipeline.NewWorker(pipeline.WorkerOptions{})
		p := &clientPool{table: map[string]*clientPool{}, w: w, target: "up:80", maxList: 4096, scheme: "http"}
		c := newClientConn(p)
		p.conns = append(p.conns, c)
		var calls []*fakeCall
		for i, head := range []*http1.RequestHead{
			{Method: "GET", Path: "/a", Headers: http1.Headers{{Name: "host", Value: "x"}}},
			{Method: "POST", Path: "/p"},
			{Method: "PUT", Path: "/t"},
		} {
			call := &fakeCall{t: t}
			calls = append(calls, call)
			s := &clientStream{pool: p, call: call, fwd: pipeline.NewValve()}
			p.acquire(s)
			s.Input(&event.MessageStart{Head: head})
			if i > 0 {
				s.Input(event.FromBytes(bytes.Repeat([]byte("b"), 70000)))
			}
			var tail any
			if i == 2 {
				tail = http1.Headers{{Name: "grpc-status", Value: "0"}}
			}
			s.Input(&event.MessageEnd{Tail: tail})
		}
		c.Flush()
		k := int(cut) % (len(data) + 1)
		c.Input(event.FromBytes(data[:k]))
		c.Input(event.FromBytes(data[k:]))
		c.Input(&event.SessionEnd{Err: event.ReadError})
		waiting := map[muxCall]bool{}
		for _, s := range p.waiters { // for a new connection, which the fuzz target does not dial
			waiting[s.call] = true
		}
		for i, call := range calls {
			if !call.ended && !waiting[call] {
				t.Fatalf("request %d never ended", i)
			}
		}
	})
}

// clientFuzzSeeds are upstream frame sequences: SETTINGS, answers with
// bodies and trailers, interim answers, pings, window updates, resets,
// GOAWAY, and some mistakes.
func clientFuzzSeeds() [][]byte {
	var seeds [][]byte
	build := func(fn func(fr *http2.Framer, enc func(...string) []byte)) {
		seeds = append(seeds, frameSeed(func(fr *http2.Framer) {
			_ = fr.WriteSettings(http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: 2},
				http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1 << 20})
			_ = fr.WriteWindowUpdate(0, 1<<20)
		}, fn))
	}
	build(func(fr *http2.Framer, enc func(...string) []byte) {
		_ = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: enc(":status", "200", "x", "y"), EndHeaders: true})
		_ = fr.WriteData(1, false, []byte("hel"))
		_ = fr.WriteData(1, true, []byte("lo"))
		_ = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 3, BlockFragment: enc(":status", "100"), EndHeaders: true})
		_ = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 3, BlockFragment: enc(":status", "204"), EndHeaders: true, EndStream: true})
		_ = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 5, BlockFragment: enc(":status", "200"), EndHeaders: true})
		_ = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 5, BlockFragment: enc("grpc-status", "0"), EndHeaders: true, EndStream: true})
	})
	build(func(fr *http2.Framer, enc func(...string) []byte) {
		blk := enc(":status", "200", "x-long", "0123456789abcdef0123456789")
		_ = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: blk[:5]})
		_ = fr.WriteContinuation(1, false, blk[5:10])
		_ = fr.WriteContinuation(1, true, blk[10:])
		_ = fr.WritePing(false, [8]byte{1, 2, 3})
		_ = fr.WriteRSTStream(3, http2.ErrCodeRefusedStream)
		_ = fr.WriteWindowUpdate(1, 1000)
		_ = fr.WriteGoAway(1, http2.ErrCodeNo, nil)
		_ = fr.WriteData(1, true, nil)
	})
	build(func(fr *http2.Framer, enc func(...string) []byte) {
		_ = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 2, BlockFragment: enc(":status", "200"), EndStream: true, EndHeaders: true})
		_ = fr.WriteData(7, true, []byte("x"))
		_ = fr.WritePushPromise(http2.PushPromiseParam{StreamID: 1, PromiseID: 2, BlockFragment: enc(":method", "GET"), EndHeaders: true})
	})
	build(func(fr *http2.Framer, enc func(...string) []byte) {
		_ = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: enc(":status", "200", "Bad", "1"), EndHeaders: true})
		_ = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 3, BlockFragment: enc(":status", "200"), EndHeaders: true})
		_ = fr.WriteData(3, false, bytes.Repeat([]byte("d"), 16384))
		_ = fr.WriteRSTStream(3, http2.ErrCodeInternal)
		_ = fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1 << 31})
	})
	return seeds
}

// FrameSeed is frameSeed for the external tests (FuzzServerConn's seeds).
var FrameSeed = frameSeed

// frameSeed returns the frames first and then fn write; fn's enc gives the
// HPACK block of name, value pairs, one encoder's dynamic table for the
// whole seed.
func frameSeed(first func(fr *http2.Framer), fn func(fr *http2.Framer, enc func(...string) []byte)) []byte {
	var b, hb bytes.Buffer
	fr := http2.NewFramer(&b, nil)
	he := hpack.NewEncoder(&hb)
	enc := func(kv ...string) []byte {
		hb.Reset()
		for i := 0; i+1 < len(kv); i += 2 {
			_ = he.WriteField(hpack.HeaderField{Name: kv[i], Value: kv[i+1]})
		}
		return bytes.Clone(hb.Bytes())
	}
	first(fr)
	fn(fr, enc)
	return b.Bytes()
}
