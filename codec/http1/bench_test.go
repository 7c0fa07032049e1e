package http1

import (
	"bufio"
	"bytes"
	"net/http"
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
)

// benchRequest is a typical browser request: a request line and ten fields.
const benchRequest = "GET /static/app.js?v=12 HTTP/1.1\r\n" +
	"Host: www.example.com\r\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n" +
	"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n" +
	"Accept-Language: en-US,en;q=0.5\r\n" +
	"Accept-Encoding: gzip, deflate, br\r\n" +
	"Referer: https://www.example.com/index.html\r\n" +
	"Connection: keep-alive\r\n" +
	"Cookie: session=0123456789abcdef; theme=dark\r\n" +
	"Cache-Control: max-age=0\r\n" +
	"Sec-Fetch-Mode: no-cors\r\n" +
	"\r\n"

const benchResponse = "HTTP/1.1 200 OK\r\n" +
	"Date: Mon, 01 Jan 2024 00:00:00 GMT\r\n" +
	"Server: sluice\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"Content-Length: 13\r\n" +
	"Cache-Control: no-cache\r\n" +
	"\r\n" +
	"Hello, world!"

// BenchmarkDecodeRequest decodes benchRequest, one whole request per Decode
// call, with one decoder (a keep-alive connection).
func BenchmarkDecodeRequest(b *testing.B) {
	raw := event.FromString(benchRequest)
	d := NewRequestDecoder(Options{})
	n := 0
	emit := func(e event.Event) {
		if _, ok := e.(*event.MessageEnd); ok {
			n++
		}
	}
	in := new(event.Data)
	b.SetBytes(int64(len(benchRequest)))
	b.ReportAllocs()
	for b.Loop() {
		in.PushData(raw)
		if err := d.Decode(in, emit); err != nil {
			b.Fatal(err)
		}
	}
	if n == 0 {
		b.Fatal("no request decoded")
	}
}

// BenchmarkNetHTTPReadRequest parses the same bytes with http.ReadRequest,
// reusing one bufio.Reader as net/http's server does.
func BenchmarkNetHTTPReadRequest(b *testing.B) {
	raw := []byte(benchRequest)
	rd := bytes.NewReader(raw)
	br := bufio.NewReader(rd)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(raw)
		br.Reset(rd)
		req, err := http.ReadRequest(br)
		if err != nil {
			b.Fatal(err)
		}
		_ = req
	}
}

// BenchmarkDecodeResponse decodes benchResponse, head and body.
func BenchmarkDecodeResponse(b *testing.B) {
	raw := event.FromString(benchResponse)
	d := NewResponseDecoder(Options{})
	emit := func(event.Event) {}
	in := new(event.Data)
	b.SetBytes(int64(len(benchResponse)))
	b.ReportAllocs()
	for b.Loop() {
		in.PushData(raw)
		if err := d.Decode(in, emit); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNetHTTPReadResponse parses the same bytes with http.ReadResponse
// and reads the body.
func BenchmarkNetHTTPReadResponse(b *testing.B) {
	raw := []byte(benchResponse)
	rd := bytes.NewReader(raw)
	br := bufio.NewReader(rd)
	buf := make([]byte, 64)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(raw)
		br.Reset(rd)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := resp.Body.Read(buf); err != nil {
				break
			}
		}
	}
}

// BenchmarkDecodeRequestBytewise feeds benchRequest one byte per Decode
// call: the worst case for the head accumulator.
func BenchmarkDecodeRequestBytewise(b *testing.B) {
	raw := []byte(benchRequest)
	d := NewRequestDecoder(Options{})
	emit := func(event.Event) {}
	in := new(event.Data)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		for i := range raw {
			in.Push(raw[i : i+1])
			if err := d.Decode(in, emit); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkEncodeResponseHead writes a response head with a known length.
func BenchmarkEncodeResponseHead(b *testing.B) {
	h := &ResponseHead{Protocol: "HTTP/1.1", Status: 200, StatusText: "OK", Headers: Headers{
		{"date", "Mon, 01 Jan 2024 00:00:00 GMT"}, {"server", "sluice"}, {"content-type", "text/plain"},
	}}
	b.ReportAllocs()
	for b.Loop() {
		out := new(event.Data)
		if _, err := WriteResponseHead(out, h, 13); err != nil {
			b.Fatal(err)
		}
	}
}

// benchWrkRequest and benchUpstreamAnswer are what bench/run's proxy case
// carries: wrk's request and nginx's hello answer.
const (
	benchWrkRequest     = "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"
	benchUpstreamAnswer = "HTTP/1.1 200 OK\r\n" +
		"Server: nginx/1.22.1\r\n" +
		"Date: Sun, 06 Dec 2026 07:00:00 GMT\r\n" +
		"Content-Type: text/plain\r\n" +
		"Content-Length: 14\r\n" +
		"Connection: keep-alive\r\n" +
		"\r\n" +
		"Hello, World!\n"
	// benchWrkAnswer is benchUpstreamAnswer as the proxy encodes it.
	benchWrkAnswer = "HTTP/1.1 200 OK\r\n" +
		"server: nginx/1.22.1\r\n" +
		"date: Sun, 06 Dec 2026 07:00:00 GMT\r\n" +
		"content-type: text/plain\r\n" +
		"content-length: 14\r\n" +
		"\r\n" +
		"Hello, World!\n"
)

var (
	benchWrkRequestBytes     = []byte(benchWrkRequest)
	benchUpstreamAnswerBytes = []byte(benchUpstreamAnswer)
)

// fakeUpstream stands for the pooled connection's Outbound in
// BenchmarkMuxHTTPPooledProxy: for each request head it gets, it answers
// benchUpstreamAnswer in a task of its own, as bytes read from a socket.
type fakeUpstream struct{}

func (fakeUpstream) Info() pipeline.Info { return pipeline.Info{Name: "fakeUpstream"} }

func (fakeUpstream) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	u := &fakeUpstreamInst{s: s, next: next}
	u.replyFn = u.reply
	return u
}

type fakeUpstreamInst struct {
	s       *pipeline.Stream
	next    pipeline.Target
	owed    int
	replyFn func()
	reader  pipelinetest.SocketReader
}

func (u *fakeUpstreamInst) Input(evt event.Event) {
	d, ok := evt.(*event.Data)
	if !ok {
		return
	}
	n := 0
	for _, c := range d.Chunks() { // a head's end is never split here
		n += bytes.Count(c, []byte("\r\n\r\n"))
	}
	if n > 0 && u.owed == 0 {
		u.s.Post(u.replyFn)
	}
	u.owed += n
}

func (u *fakeUpstreamInst) reply() {
	for ; u.owed > 0; u.owed-- {
		u.reader.Read(u.next, benchUpstreamAnswerBytes)
	}
}

// countingSink counts the bytes a stream outputs, and keeps them while keep
// is set.
type countingSink struct {
	n    int
	keep bool
	kept []byte
}

func (c *countingSink) Input(evt event.Event) {
	if d, ok := evt.(*event.Data); ok {
		c.n += d.Len()
		if c.keep {
			c.kept = append(c.kept, d.Bytes()...)
		}
	}
}

// pooledProxy is bench/scripts/proxy-pool.js's pipeline (decodeHttpRequest
// → muxHTTP → encodeHttpResponse) in process, one keep-alive client
// connection, the pooled connection's socket replaced by fakeUpstream:
// request runs one request through it. Only the sockets' own work is left
// out: its allocations are those of a proxied request.
type pooledProxy struct {
	w      *pipeline.Worker
	st     *pipeline.Stream
	sink   *countingSink
	readFn func() // read bound once: posting it allocates nothing
	reader pipelinetest.SocketReader
}

func newPooledProxy(tb testing.TB) *pooledProxy {
	tb.Helper()
	w := pipeline.NewWorker(pipeline.WorkerOptions{})
	mux := MuxHTTP("upstream:80", MuxHTTPOptions{})
	mux.connPipeline = pipeline.New("muxHTTP", EncodeRequest(nil), fakeUpstream{})
	p := pipeline.New("proxy", DecodeRequest(), mux, EncodeResponse(nil))
	x := &pooledProxy{w: w, sink: &countingSink{keep: true}}
	x.readFn = x.read
	x.st = pipeline.NewStream(p, pipeline.NewContext(w), x.sink)
	for range 2 { // the second runs on the pooled connection
		x.request(tb)
	}
	if got := string(x.sink.kept); got != benchWrkAnswer+benchWrkAnswer {
		tb.Fatalf("the client got %q, want %q twice", got, benchWrkAnswer)
	}
	x.sink.keep = false
	return x
}

// request runs one request: the client's read comes in a task of its own,
// as from a socket, so that it runs in a batch of the worker (where
// BatchNow reads the clock once) like a real one.
func (x *pooledProxy) request(tb testing.TB) {
	before := x.sink.n
	x.w.Post(x.readFn)
	x.w.RunPending()
	if x.sink.n-before != len(benchWrkAnswer) {
		tb.Fatalf("the client got %d bytes, not the %d of the answer", x.sink.n-before, len(benchWrkAnswer))
	}
}

// read hands the client's request to the proxy.
func (x *pooledProxy) read() { x.reader.Read(x.st, benchWrkRequestBytes) }

// BenchmarkMuxHTTPPooledProxy runs one proxied request per iteration through
// pooledProxy.
func BenchmarkMuxHTTPPooledProxy(b *testing.B) {
	x := newPooledProxy(b)
	b.ReportAllocs()
	for b.Loop() {
		x.request(b)
	}
}

// The pooled proxy's allocations per request, counted in process (they are
// deterministic, unlike its time): a guard against regressions of its CPU
// cost. 16 before the work of 2026-12-06 on it.
func TestMuxHTTPPooledProxyAllocations(t *testing.T) {
	const budget = 4 // two heads (their text, and the answer's small body, in their blocks), two encoded heads
	if event.LentCheck {
		t.Skip("the lentcheck tag allocates a Data per lent read")
	}
	x := newPooledProxy(t)
	if got := testing.AllocsPerRun(200, func() { x.request(t) }); got > budget {
		t.Errorf("a pooled proxied request allocates %v times, more than %d", got, budget)
	}
}
