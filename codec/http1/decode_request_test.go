package http1

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
)

func TestDecodeRequestFilterSplits(t *testing.T) {
	raw := "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc" +
		"PUT /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\n"
	for _, pieces := range pipelinetest.Splits([]byte(raw)) {
		h := pipelinetest.Of(t, DecodeRequest())
		for _, p := range pieces {
			h.InputBytes(p)
		}
		h.End()
		msgs := h.Messages()
		if len(msgs) != 2 {
			t.Fatalf("%d pieces: %d messages: %s", len(pieces), len(msgs), pipelinetest.Dump(h.Output()))
		}
		if got := msgs[0].Head.(*RequestHead).Path + msgs[0].Body.String() + msgs[1].Head.(*RequestHead).Path + msgs[1].Body.String(); got != "/aabc/bde" {
			t.Fatalf("%d pieces: got %q", len(pieces), got)
		}
		if tail, _ := msgs[1].Tail.(Headers); tail.Get("t") != "1" {
			t.Fatalf("trailers %v", msgs[1].Tail)
		}
		if se := h.SessionEnd(); se == nil || se.Err != event.NoError {
			t.Fatalf("session end %v", se)
		}
	}
}

func TestDecodeRequestFilterDropsFraming(t *testing.T) {
	h := pipelinetest.Of(t, DecodeRequest())
	h.Input(&event.MessageStart{}, event.FromString("GET / HTTP/1.1\r\n"), &event.MessageEnd{}, event.FromString("Host: x\r\n\r\n"))
	if msgs := h.Messages(); len(msgs) != 1 || msgs[0].Head.(*RequestHead).Headers.Get("host") != "x" {
		t.Fatalf("got %s", pipelinetest.Dump(h.Output()))
	}
}

func TestDecodeRequestFilterError(t *testing.T) {
	h := pipelinetest.Of(t, DecodeRequest())
	h.InputString("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost x\r\n\r\n")
	h.InputString("GET /late HTTP/1.1\r\nHost: x\r\n\r\n").End()
	out := h.Output()
	if len(h.Messages()) != 1 {
		t.Fatalf("got %s", pipelinetest.Dump(out))
	}
	se := sessionEnd(t, out)
	if se.Err != event.ProtocolError || syntaxStatus(se) != 400 || !errors.Is(se.Cause, ErrMalformed) {
		t.Fatalf("session end %v (cause %v)", se, se.Cause)
	}
}

func TestDecodeRequestFilterTruncated(t *testing.T) {
	h := pipelinetest.Of(t, DecodeRequest())
	h.InputString("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\nabc").End()
	se := sessionEnd(t, h.Output())
	if se.Err != event.ProtocolError || !errors.Is(se.Cause, ErrUnexpectedEnd) {
		t.Fatalf("session end %v", se)
	}
	// A failed peer passes on as it is.
	h = pipelinetest.Of(t, DecodeRequest())
	h.InputString("POST / HTTP/1.1\r\nHo").Input(&event.SessionEnd{Err: event.ReadError})
	if se := sessionEnd(t, h.Output()); se.Err != event.ReadError {
		t.Fatalf("session end %v", se)
	}
}

// server is the pipeline of an HTTP server: decode, answer with echo,
// encode.
func server(t *testing.T, dec *DecodeRequestFilter, answer func(*RequestHead, string) []event.Event) *pipelinetest.Harness {
	if answer == nil {
		answer = echo
	}
	return pipelinetest.Of(t, dec, responder(answer), EncodeResponse(nil))
}

func TestServerKeepAlive(t *testing.T) {
	h := server(t, DecodeRequest(), nil)
	h.InputString("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi")
	want := "HTTP/1.1 200 OK\r\nx-path: /1\r\ncontent-length: 4\r\n\r\nGET " +
		"HTTP/1.1 200 OK\r\nx-path: /2\r\ncontent-length: 7\r\n\r\nPOST hi"
	if got := h.OutputString(); got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	if h.Ended() {
		t.Fatal("keep-alive connection ended")
	}
}

func TestServerBadRequests(t *testing.T) {
	cases := []struct {
		name, raw string
		status    int
		line      string
	}{
		{"malformed", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400, "HTTP/1.1 400 Bad Request"},
		{"smuggling", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, "HTTP/1.1 400 Bad Request"},
		{"long line", "GET /" + strings.Repeat("a", 9000) + " HTTP/1.1\r\n", 414, "HTTP/1.1 414 URI Too Long"},
		{"big head", "GET / HTTP/1.1\r\n" + strings.Repeat("X-A: "+strings.Repeat("b", 1000)+"\r\n", 70), 431, "HTTP/1.1 431 Request Header Fields Too Large"},
		{"version", "GET / HTTP/3.0\r\n\r\n", 505, "HTTP/1.1 505 HTTP Version Not Supported"},
		{"coding", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: br, chunked\r\n\r\n", 501, "HTTP/1.1 501 Not Implemented"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := server(t, DecodeRequest(), nil)
			h.InputString(c.raw)
			want := c.line + "\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
			if got := h.OutputString(); got != want {
				t.Fatalf("got %q, want %q", got, want)
			}
			se := sessionEnd(t, h.Output())
			if se.Err != event.ProtocolError || syntaxStatus(se) != c.status || !h.Ended() {
				t.Fatalf("session end %v, ended %v", se, h.Ended())
			}
		})
	}
}

func TestServerBadRequestAfterGoodOne(t *testing.T) {
	h := server(t, DecodeRequest(), nil)
	h.InputString("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost : x\r\n\r\n")
	want := "HTTP/1.1 200 OK\r\nx-path: /1\r\ncontent-length: 4\r\n\r\nGET " +
		"HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
	if got := h.OutputString(); got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}

func TestServerHeadTimeout(t *testing.T) {
	h := server(t, DecodeRequest(), nil)
	h.InputString("GET /1 HTTP/1.1\r\nHost: x\r\n\r\n\r\n") // complete, and a stray CRLF: no timer
	h.Advance(time.Minute)
	if h.Ended() {
		t.Fatal("idle connection timed out by the head timer")
	}
	h.Take()
	h.InputString("GET /2 HT")
	h.Advance(9 * time.Second)
	h.InputString("TP/1.1\r\nHost: x\r\n")
	if len(h.Take()) != 0 || h.Ended() {
		t.Fatal("timed out early")
	}
	h.Advance(time.Second)
	want := "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
	if got := pipelinetest.DataString(afterFirstMessage(h.Output())); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	se := sessionEnd(t, h.Output())
	if se.Err != event.Timeout || syntaxStatus(se) != 408 || !errors.Is(se.Cause, ErrHeadTimeout) {
		t.Fatalf("session end %v", se)
	}
}

func TestServerHeadTimeoutRestartsPerHead(t *testing.T) {
	h := server(t, &DecodeRequestFilter{HeadTimeout: 5 * time.Second}, nil)
	h.InputString("GET /1 HTTP/1.1\r\n")
	h.Advance(4 * time.Second)
	h.InputString("Host: x\r\n\r\nGET /2 HTTP/1.1\r\n") // a new head starts: its own 5s
	h.Advance(4 * time.Second)
	if h.Ended() {
		t.Fatal("second head timed out on the first one's timer")
	}
	h.Advance(time.Second)
	if se := h.SessionEnd(); se == nil || se.Err != event.Timeout {
		t.Fatalf("no timeout: %s", pipelinetest.Dump(h.Output()))
	}
}

func TestServerNoHeadTimeout(t *testing.T) {
	h := server(t, &DecodeRequestFilter{HeadTimeout: -1}, nil)
	h.InputString("GET / HTTP/1.1\r\n")
	h.Advance(time.Hour)
	if h.Ended() {
		t.Fatal("timed out with HeadTimeout < 0")
	}
}

func TestServerClose(t *testing.T) {
	cases := []struct {
		name, raw, want string
	}{
		{"connection close", "GET /1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n",
			"HTTP/1.1 200 OK\r\nx-path: /1\r\nconnection: close\r\ncontent-length: 4\r\n\r\nGET "},
		{"http/1.0", "GET /1 HTTP/1.0\r\n\r\n",
			"HTTP/1.1 200 OK\r\nx-path: /1\r\nconnection: close\r\ncontent-length: 4\r\n\r\nGET "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := server(t, DecodeRequest(), nil)
			h.InputString(c.raw)
			if got := h.OutputString(); got != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
			if se := h.SessionEnd(); se == nil || se.Err != event.NoError || !h.Ended() {
				t.Fatalf("stream not ended after the response: %s", pipelinetest.Dump(h.Output()))
			}
		})
	}
}

func TestServerHTTP10KeepAlive(t *testing.T) {
	h := server(t, DecodeRequest(), nil)
	h.InputString("GET /1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
	want := "HTTP/1.1 200 OK\r\nx-path: /1\r\nconnection: keep-alive\r\ncontent-length: 4\r\n\r\nGET "
	if got := h.OutputString(); got != want || h.Ended() {
		t.Fatalf("got %q (ended %v), want %q", got, h.Ended(), want)
	}
}

func TestServerHeadRequest(t *testing.T) {
	h := server(t, DecodeRequest(), func(req *RequestHead, _ string) []event.Event {
		return []event.Event{
			&event.MessageStart{Head: &ResponseHead{Status: 200, Headers: Headers{{"content-length", "1000"}}}},
			event.FromString("body a HEAD response must not carry"),
			&event.MessageEnd{},
		}
	})
	h.InputString("HEAD / HTTP/1.1\r\nHost: x\r\n\r\nHEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
	want := strings.Repeat("HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n", 2)
	if got := h.OutputString(); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestServerContinue(t *testing.T) {
	h := server(t, DecodeRequest(), func(req *RequestHead, body string) []event.Event {
		return []event.Event{
			&event.MessageStart{Head: &ResponseHead{Status: 100}},
			&event.MessageEnd{},
			&event.MessageStart{Head: map[string]any{"status": 201}},
			event.FromString(body),
			&event.MessageEnd{},
		}
	})
	h.InputString("PUT /u HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")
	want := "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok"
	if got := h.OutputString(); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if !h.Ended() {
		t.Fatal("the interim response consumed the request's close")
	}
}

func TestServerTunnel(t *testing.T) {
	h := server(t, DecodeRequest(), func(req *RequestHead, _ string) []event.Event {
		return []event.Event{&event.MessageStart{Head: &ResponseHead{Status: 200, StatusText: "Connection Established"}}, &event.MessageEnd{}}
	})
	h.InputString("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
	h.InputString("\x16\x03\x01 not HTTP at all\r\n\r\n")
	want := "HTTP/1.1 200 Connection Established\r\n\r\n\x16\x03\x01 not HTTP at all\r\n\r\n"
	if got := h.OutputString(); got != want || h.Ended() {
		t.Fatalf("got %q (ended %v), want %q", got, h.Ended(), want)
	}
}

func TestServerStreamsLargeBodies(t *testing.T) {
	big := strings.Repeat("z", 100)
	answer := func(req *RequestHead, _ string) []event.Event {
		return []event.Event{&event.MessageStart{Head: &ResponseHead{Status: 200}}, event.FromString(big), event.FromString("!"), &event.MessageEnd{}}
	}
	p := func() *pipelinetest.Harness {
		return pipelinetest.Of(t, DecodeRequest(), responder(answer), &EncodeResponseFilter{BufferSize: 64})
	}
	h := p()
	h.InputString("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	want := "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n64\r\n" + big + "\r\n1\r\n!\r\n0\r\n\r\n"
	if got := h.OutputString(); got != want || h.Ended() {
		t.Fatalf("got %q, want %q", got, want)
	}
	h = p()
	h.InputString("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
	want = "HTTP/1.0 200 OK\r\nconnection: close\r\n\r\n" + big + "!"
	if got := h.OutputString(); got != want || !h.Ended() {
		t.Fatalf("HTTP/1.0: got %q (ended %v), want %q", got, h.Ended(), want)
	}
}

func TestEncodeResponseWithoutDecoder(t *testing.T) {
	h := pipelinetest.Of(t, EncodeResponse(nil))
	h.InputMessage(map[string]any{"status": 404, "headers": map[string]any{"server": "sluice"}}, "nope")
	h.Input(event.End(event.ProtocolError, &SyntaxError{Status: 431, Msg: "x", Err: ErrHeadTooLarge}))
	want := "HTTP/1.1 404 Not Found\r\nserver: sluice\r\ncontent-length: 4\r\n\r\nnope" +
		"HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
	if got := h.OutputString(); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestEncodeResponseFilter(t *testing.T) {
	calls := 0
	head := func(s *pipeline.Stream) any {
		calls++
		return &ResponseHead{Status: 202, Headers: Headers{{"x-call", string(rune('0' + calls))}}}
	}
	h := pipelinetest.Of(t, EncodeResponse(head))
	h.InputMessage(nil, "a")
	h.Input(&event.MessageStart{Head: &ResponseHead{Status: 200}}, event.FromString("b"), &event.MessageEnd{Tail: Headers{{"t", "1"}}})
	h.InputString("raw")
	want := "HTTP/1.1 202 Accepted\r\nx-call: 1\r\ncontent-length: 1\r\n\r\na" +
		"HTTP/1.1 202 Accepted\r\nx-call: 2\r\ntransfer-encoding: chunked\r\n\r\n1\r\nb\r\n0\r\nt: 1\r\n\r\nraw"
	if got := h.OutputString(); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}

	h = pipelinetest.Of(t, EncodeResponse(nil))
	h.InputMessage(&ResponseHead{Status: 200, Headers: Headers{{"bad name", "x"}}}, "")
	if se := h.SessionEnd(); se == nil || se.Err != event.RuntimeError || !errors.Is(se.Cause, ErrInvalidHead) {
		t.Fatalf("session end %v", se)
	}

	h = pipelinetest.Of(t, EncodeResponse(func(*pipeline.Stream) any { panic("no head") }))
	h.InputMessage(nil, "")
	if se := h.SessionEnd(); se == nil || se.Err != event.RuntimeError {
		t.Fatalf("session end %v", se)
	}
}

// afterFirstMessage returns the events after the first MessageEnd of out.
func afterFirstMessage(out []event.Event) []event.Event {
	for i, e := range out {
		if _, ok := e.(*event.MessageEnd); ok {
			return out[i+1:]
		}
	}
	return out
}
