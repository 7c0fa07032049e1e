package http2_test

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/sluice-go/sluice/codec/http1"
	sh2 "github.com/sluice-go/sluice/codec/http2"
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// helloHead and helloBody are the answer's, shared: the codec only reads
// them (a Data pushed into another shares its chunks).
var (
	helloHead = &http1.ResponseHead{Status: 200, StatusText: "OK", Protocol: "HTTP/1.1", Headers: http1.Headers{{Name: "content-type", Value: "text/plain"}}}
	helloBody = event.FromString("Hello, World!\n")
)

// helloAnswer is one answer's events in one block, as a static
// replaceMessage in a script makes them (script's emitStaticMessage).
type helloAnswer struct {
	start event.MessageStart
	body  event.Data
	end   event.MessageEnd
}

// hello answers every request with "Hello, World!\n" (bench/h2load's
// hello), looking at the head only.
var hello = filter.ReplaceMessage(func(_ *pipeline.Stream, _ *event.Message, out pipeline.Target) {
	a := &helloAnswer{}
	a.start.Head = helloHead
	out.Input(&a.start)
	a.body.PushData(helloBody)
	out.Input(&a.body)
	out.Input(&a.end)
}, filter.MessageOptions{HeadOnly: true})

// inprocH2 is demuxHTTP on one h2c connection, without its socket: request
// feeds one GET as a socket's read hands it over (a copy in a new Data)
// and runs the worker until the answer is out, as h2load's requests come
// once its connection is set up (a window large enough for every answer,
// the header block all indexed in HPACK's dynamic table).
type inprocH2 struct {
	w      *pipeline.Worker
	st     *pipeline.Stream
	sink   *byteSink
	id     uint32
	frame  []byte // the request's HEADERS frame; its stream id is set each time
	answer int    // bytes of an answer, once known
	feedFn func()
}

// byteSink counts the bytes a stream outputs.
type byteSink struct{ n int }

func (b *byteSink) Input(evt event.Event) {
	if d, ok := evt.(*event.Data); ok {
		b.n += d.Len()
	}
}

func newInprocH2(tb testing.TB) *inprocH2 {
	tb.Helper()
	m := pipeline.NewModule("m")
	m.Pipeline("hello", hello)
	front := m.Pipeline("front", sh2.DemuxHTTP(filter.To("hello")))
	if err := m.Build(); err != nil {
		tb.Fatal(err)
	}
	x := &inprocH2{w: pipeline.NewWorker(pipeline.WorkerOptions{}), sink: &byteSink{}}
	x.feedFn = x.feed

	var setup, hb bytes.Buffer
	setup.WriteString(http2.ClientPreface)
	fr := http2.NewFramer(&setup, nil)
	_ = fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1<<31 - 1})
	_ = fr.WriteWindowUpdate(0, 1<<31-1-65535)
	enc := hpack.NewEncoder(&hb)
	get := []hpack.HeaderField{
		{Name: ":method", Value: "GET"}, {Name: ":scheme", Value: "http"},
		{Name: ":authority", Value: "127.0.0.1:8080"}, {Name: ":path", Value: "/"},
		{Name: "user-agent", Value: "h2load nghttp2/1.52.0"},
	}
	var blocks [2][]byte // the first request's block, then every later one's, all indexed
	for i := range blocks {
		hb.Reset()
		for _, f := range get {
			_ = enc.WriteField(f)
		}
		blocks[i] = bytes.Clone(hb.Bytes())
	}
	_ = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: blocks[0], EndStream: true, EndHeaders: true})
	var later bytes.Buffer
	_ = http2.NewFramer(&later, nil).WriteHeaders(http2.HeadersFrameParam{StreamID: 3, BlockFragment: blocks[1], EndStream: true, EndHeaders: true})
	x.frame = later.Bytes()
	x.w.Post(func() {
		x.st = pipeline.NewStream(front, pipeline.NewContext(x.w), x.sink)
		x.st.Input(event.FromCopy(setup.Bytes()))
	})
	x.w.RunPending()
	x.id = 3
	for range 2 { // the second answer as every later one: HPACK-indexed
		x.request(tb)
	}
	return x
}

// request runs one request and checks that its whole answer came.
func (x *inprocH2) request(tb testing.TB) {
	before := x.sink.n
	x.w.Post(x.feedFn)
	x.w.RunPending()
	got := x.sink.n - before
	if x.answer == 0 {
		x.answer = got
	}
	if got == 0 || got != x.answer {
		tb.Fatalf("the client got %d bytes, not the %d of an answer", got, x.answer)
	}
}

func (x *inprocH2) feed() {
	binary.BigEndian.PutUint32(x.frame[5:9], x.id)
	x.id += 2
	x.st.Input(event.FromCopy(x.frame))
}

// BenchmarkH2HelloInProcess runs one HTTP/2 GET per iteration through
// demuxHTTP on one h2c connection (inprocH2): the CPU and allocations per
// request of sluice's own code on bench/h2load's path, less the sockets
// (go test ./codec/http2/ -run X -bench H2HelloInProcess -benchmem).
func BenchmarkH2HelloInProcess(b *testing.B) {
	x := newInprocH2(b)
	b.ReportAllocs()
	for b.Loop() {
		x.request(b)
	}
}

// An HTTP/2 hello request's allocations, counted in process (they are
// deterministic, unlike its time): a guard against regressions of its CPU
// cost. 25 before the work of 2026-12-06 on it.
func TestH2HelloInProcessAllocations(t *testing.T) {
	const budget = 12 // lowered with each change that takes one away
	x := newInprocH2(t)
	if got := testing.AllocsPerRun(200, func() { x.request(t) }); got > budget {
		t.Errorf("an HTTP/2 hello request allocates %v times, more than %d", got, budget)
	}
}
