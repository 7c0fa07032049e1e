package http1

import (
	"errors"
	"testing"

	"github.com/sluice-go/sluice/event"
)

func TestWriteRequestHead(t *testing.T) {
	hs := Headers{{"host", "x"}, {"Content-Length", "99"}, {"transfer-encoding", "gzip"}, {"x-a", "1"}}
	cases := []struct {
		name    string
		head    RequestHead
		length  int64
		want    string
		framing Framing
	}{
		{"get without body", RequestHead{Method: "GET", Path: "/a", Protocol: "HTTP/1.1", Headers: hs}, 0,
			"GET /a HTTP/1.1\r\nhost: x\r\nx-a: 1\r\n\r\n", FramingNone},
		{"post without body", RequestHead{Method: "POST", Path: "/a", Protocol: "HTTP/1.1", Headers: hs}, 0,
			"POST /a HTTP/1.1\r\nhost: x\r\nx-a: 1\r\ncontent-length: 0\r\n\r\n", FramingNone},
		{"known length", RequestHead{Method: "PUT", Path: "/a", Protocol: "HTTP/1.0", Headers: hs}, 12345,
			"PUT /a HTTP/1.0\r\nhost: x\r\nx-a: 1\r\ncontent-length: 12345\r\n\r\n", FramingLength},
		{"unknown length", RequestHead{Method: "POST", Path: "/a", Protocol: "HTTP/1.1", Headers: hs}, UnknownLength,
			"POST /a HTTP/1.1\r\nhost: x\r\nx-a: 1\r\ntransfer-encoding: chunked\r\n\r\n", FramingChunked},
		{"unknown length over HTTP/1.0", RequestHead{Method: "POST", Path: "/a", Protocol: "HTTP/1.0"}, UnknownLength,
			"POST /a HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n", FramingChunked},
		{"defaults", RequestHead{}, NoBody, "GET / HTTP/1.1\r\n\r\n", FramingNone},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := event.FromString("before|")
			f, err := WriteRequestHead(out, &c.head, c.length)
			if err != nil || f != c.framing || out.String() != "before|"+c.want {
				t.Fatalf("got %q, %v, %v; want %q, %v", out.String(), f, err, c.want, c.framing)
			}
		})
	}
}

func TestWriteResponseHead(t *testing.T) {
	hs := Headers{{"content-length", "7"}, {"Connection", "keep-alive"}, {"x-a", "1"}}
	cases := []struct {
		name    string
		head    ResponseHead
		length  int64
		want    string
		framing Framing
	}{
		{"known length", ResponseHead{Protocol: "HTTP/1.1", Status: 200, StatusText: "OK", Headers: hs}, 2,
			"HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nx-a: 1\r\ncontent-length: 2\r\n\r\n", FramingLength},
		{"empty", ResponseHead{Protocol: "HTTP/1.1", Status: 404}, 0,
			"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n", FramingNone},
		{"chunked", ResponseHead{Protocol: "HTTP/1.1", Status: 200, StatusText: "Fine", Headers: hs}, UnknownLength,
			"HTTP/1.1 200 Fine\r\nConnection: keep-alive\r\nx-a: 1\r\ntransfer-encoding: chunked\r\n\r\n", FramingChunked},
		{"until close over HTTP/1.0", ResponseHead{Protocol: "HTTP/1.0", Status: 200, Headers: hs}, UnknownLength,
			"HTTP/1.0 200 OK\r\nx-a: 1\r\nconnection: close\r\n\r\n", FramingClose},
		{"head response keeps length", ResponseHead{Status: 200, Headers: hs}, NoBody,
			"HTTP/1.1 200 OK\r\ncontent-length: 7\r\nConnection: keep-alive\r\nx-a: 1\r\n\r\n", FramingNone},
		{"304 keeps length", ResponseHead{Status: 304, Headers: hs}, 0,
			"HTTP/1.1 304 Not Modified\r\ncontent-length: 7\r\nConnection: keep-alive\r\nx-a: 1\r\n\r\n", FramingNone},
		{"204 never has framing", ResponseHead{Status: 204, Headers: hs}, 5,
			"HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\nx-a: 1\r\n\r\n", FramingNone},
		{"100 never has framing", ResponseHead{Status: 100}, UnknownLength,
			"HTTP/1.1 100 Continue\r\n\r\n", FramingNone},
		{"unknown status", ResponseHead{Status: 299}, 0,
			"HTTP/1.1 299 \r\ncontent-length: 0\r\n\r\n", FramingNone},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := new(event.Data)
			f, err := WriteResponseHead(out, &c.head, c.length)
			if err != nil || f != c.framing || out.String() != c.want {
				t.Fatalf("got %q, %v, %v; want %q, %v", out.String(), f, err, c.want, c.framing)
			}
		})
	}
}

// TestWriteRequestHeadFromHTTP2: a request head that came over HTTP/2
// (protocol "HTTP/2") goes out as an HTTP/1.1 request line.
func TestWriteRequestHeadFromHTTP2(t *testing.T) {
	out := new(event.Data)
	_, err := WriteRequestHead(out, &RequestHead{Method: "GET", Path: "/a", Protocol: "HTTP/2", Headers: Headers{{"host", "x"}}}, 0)
	if err != nil || out.String() != "GET /a HTTP/1.1\r\nhost: x\r\n\r\n" {
		t.Fatalf("got %q, %v", out.String(), err)
	}
}

func TestWriteHeadRejectsUnsafe(t *testing.T) {
	reqs := []RequestHead{
		{Method: "G T"},
		{Method: "GET\r\n"},
		{Path: "/a b"},
		{Path: "/a\r\nx: y"},
		{Protocol: "HTTP/3"},
		{Headers: Headers{{"a b", "1"}}},
		{Headers: Headers{{"", "1"}}},
		{Headers: Headers{{"a", "1\r\nb: 2"}}},
		{Headers: Headers{{"a", "\x00"}}},
	}
	for _, h := range reqs {
		out := new(event.Data)
		if _, err := WriteRequestHead(out, &h, 0); !errors.Is(err, ErrInvalidHead) || out.Len() != 0 {
			t.Errorf("WriteRequestHead(%v): %v, wrote %q", h, err, out.String())
		}
	}
	resps := []ResponseHead{
		{Status: 99},
		{Status: 1000},
		{Status: -1},
		{StatusText: "OK\r\n"},
		{Protocol: "HTTP/1.2"},
		{Headers: Headers{{"a:", "1"}}},
		{Headers: Headers{{"a", "\n"}}},
	}
	for _, h := range resps {
		out := new(event.Data)
		if _, err := WriteResponseHead(out, &h, 0); !errors.Is(err, ErrInvalidHead) || out.Len() != 0 {
			t.Errorf("WriteResponseHead(%v): %v, wrote %q", h, err, out.String())
		}
	}
	out := new(event.Data)
	if err := WriteLastChunk(out, Headers{{"a", "\r"}}); !errors.Is(err, ErrInvalidHead) || out.Len() != 0 {
		t.Errorf("WriteLastChunk: %v, wrote %q", err, out.String())
	}
}

func TestWriteChunks(t *testing.T) {
	src := []byte("0123456789abcdefX")
	body := event.FromBytes(src)
	out := new(event.Data)
	WriteChunk(out, body)
	WriteChunk(out, new(event.Data))
	WriteChunk(out, nil)
	WriteChunk(out, event.FromString("z"))
	if err := WriteLastChunk(out, Headers{{"x-sum", "1"}, {"content-length", "3"}, {"Host", "h"}}); err != nil {
		t.Fatal(err)
	}
	want := "11\r\n0123456789abcdefX\r\n1\r\nz\r\n0\r\nx-sum: 1\r\n\r\n"
	if out.String() != want {
		t.Fatalf("got %q, want %q", out.String(), want)
	}
	if body.Len() != 17 {
		t.Fatal("WriteChunk consumed its argument")
	}
	src[0] = '#'
	if out.String()[4] != '#' {
		t.Fatal("WriteChunk copied the body instead of sharing it")
	}
	out = new(event.Data)
	if err := WriteLastChunk(out, nil); err != nil || out.String() != "0\r\n\r\n" {
		t.Fatalf("WriteLastChunk(nil): %q %v", out.String(), err)
	}
}

func TestWriteErrorResponse(t *testing.T) {
	for status, want := range map[int]string{
		400: "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
		414: "HTTP/1.1 414 URI Too Long\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
		431: "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
		7:   "HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
	} {
		out := new(event.Data)
		WriteErrorResponse(out, status)
		if out.String() != want {
			t.Errorf("WriteErrorResponse(%d) = %q, want %q", status, out.String(), want)
		}
		res := decodePieces(t, true, Options{}, [][]byte{out.Bytes()}, true)
		if res.Err != nil || len(res.Msgs) != 1 || !res.Msgs[0].Complete {
			t.Errorf("error response does not decode: %v", res)
		}
	}
	if h := NewResponseHead(503); h.String() != "HTTP/1.1 503 Service Unavailable {}" {
		t.Fatalf("NewResponseHead: %v", h)
	}
}

// TestEncodeDecodeRoundTrip encodes heads and bodies in every framing and
// decodes them back.
func TestEncodeDecodeRoundTrip(t *testing.T) {
	req := &RequestHead{Method: "POST", Path: "/x?y", Protocol: "HTTP/1.1", Headers: Headers{{"host", "h"}, {"x-r", "1"}, {"x-r", "2"}}}
	for _, length := range []int64{5, UnknownLength} {
		out := new(event.Data)
		f, err := WriteRequestHead(out, req, length)
		if err != nil {
			t.Fatal(err)
		}
		body := event.FromString("hello")
		if f == FramingChunked {
			WriteChunk(out, body.Shift(2))
			WriteChunk(out, body)
			if err := WriteLastChunk(out, Headers{{"t", "v"}}); err != nil {
				t.Fatal(err)
			}
		} else {
			out.PushData(body)
		}
		res := decodePieces(t, false, Options{}, [][]byte{out.Bytes()}, true)
		if res.Err != nil || len(res.Msgs) != 1 || res.Msgs[0].Body != "hello" {
			t.Fatalf("length %d: %v", length, res)
		}
		got := res.Msgs[0].Req
		if got.Method != req.Method || got.Path != req.Path || got.Headers.Get("host") != "h" || len(got.Headers.Values("x-r")) != 2 {
			t.Fatalf("length %d: %v", length, got)
		}
	}
}
