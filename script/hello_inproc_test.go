package script_test

import (
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/sluice-go/sluice/script"
)

// helloScript is bench/scripts/hello.js: the JS hello bench/run measures.
const helloScript = `
pipy()
.listen(0)
  .decodeHttpRequest()
  .replaceMessage(new Message('Hello, World!\n'))
  .encodeHttpResponse()
`

// helloRequest is wrk's request in bench/run's hello case.
var helloRequest = []byte("GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n")

// helloAnswerLen is the length of the encoded answer to helloRequest.
const helloAnswerLen = len("HTTP/1.1 200 OK\r\ncontent-length: 14\r\n\r\nHello, World!\n")

// byteSink counts the bytes a stream outputs.
type byteSink struct{ n int }

func (b *byteSink) Input(evt event.Event) {
	if d, ok := evt.(*event.Data); ok {
		b.n += d.Len()
	}
}

// inprocHello is the JS hello's listen pipeline on one keep-alive client
// connection, without its socket: request feeds one request as a socket's
// read hands it over (lent, as decodeHttpRequest borrows) and runs the
// worker until the answer is out. Only the sockets' own work (the read and writev system
// calls, the poller) is left out: its cost is the JS hello's per-request
// CPU in sluice's own code.
type inprocHello struct {
	w      *pipeline.Worker
	st     *pipeline.Stream
	sink   *byteSink
	feedFn func() // feed, made once: a method value allocates
	reader pipelinetest.SocketReader
}

func newInprocHello(tb testing.TB) *inprocHello {
	tb.Helper()
	m := load(tb, helloScript, script.Options{ListenHost: "127.0.0.1"})
	var p *pipeline.Pipeline
	for _, q := range m.Pipelines {
		if q.Kind == pipeline.Listen {
			p = q
		}
	}
	if p == nil {
		tb.Fatal("the hello script has no listen pipeline")
	}
	x := &inprocHello{w: pipeline.NewWorker(pipeline.WorkerOptions{}), sink: &byteSink{}}
	x.feedFn = x.feed
	x.w.Post(func() { x.st = pipeline.NewStream(p, pipeline.NewContext(x.w), x.sink) })
	x.w.RunPending()
	for range 2 { // the second on a connection that has served one
		x.request(tb)
	}
	return x
}

func (x *inprocHello) request(tb testing.TB) {
	before := x.sink.n
	x.w.Post(x.feedFn)
	x.w.RunPending()
	if got := x.sink.n - before; got != helloAnswerLen {
		tb.Fatalf("the client got %d bytes, not the %d of the answer", got, helloAnswerLen)
	}
}

// feed hands the request to the stream as a socket's read does.
func (x *inprocHello) feed() { x.reader.Read(x.st, helloRequest) }

// BenchmarkHelloJSInProcess runs one JS hello request per iteration through
// inprocHello: the CPU per request of sluice's own code on the hello path,
// steady enough for CI to compare runs (go test ./script/ -run X -bench
// HelloJSInProcess -benchmem).
func BenchmarkHelloJSInProcess(b *testing.B) {
	x := newInprocHello(b)
	b.ReportAllocs()
	for b.Loop() {
		x.request(b)
	}
}

// The JS hello's allocations per request, counted in process (they are
// deterministic, unlike its time): a guard against regressions of its CPU
// cost.
func TestHelloJSInProcessAllocations(t *testing.T) {
	const budget = 3 // lowered with each change that takes one away
	if event.LentCheck {
		t.Skip("the lentcheck tag allocates a Data per lent read")
	}
	x := newInprocHello(t)
	if got := testing.AllocsPerRun(200, func() { x.request(t) }); got > budget {
		t.Errorf("a JS hello request allocates %v times, more than %d", got, budget)
	}
}
