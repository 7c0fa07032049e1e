package http1

import (
	"bufio"
	"bytes"
	"net/http"
	"testing"

	"github.com/sluice-go/sluice/event"
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
