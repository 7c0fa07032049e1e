package http1

import (
	"errors"
	"strings"
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
)

// Pipy: a request head fed to encodeHttpResponse is a 200 with the
// request's headers, less the framing fields.
func TestPipyEncodeResponseAcceptsRequestHead(t *testing.T) {
	h := pipelinetest.Of(t, EncodeResponse(nil))
	h.InputMessage(&RequestHead{Method: "POST", Path: "/x", Protocol: "HTTP/1.1", Headers: Headers{
		{"host", "x"}, {"content-length", "99"}, {"connection", "keep-alive"}, {"x-a", "1"}, {"transfer-encoding", "chunked"}, {"keep-alive", "timeout=5"},
	}}, "abc")
	want := "HTTP/1.1 200 OK\r\nhost: x\r\nx-a: 1\r\ncontent-length: 3\r\n\r\nabc"
	if got := h.OutputString(); got != want || h.Ended() {
		t.Fatalf("got %q (ended %v), want %q", got, h.Ended(), want)
	}
}

// Pipy: the echo server decodeHttpRequest → encodeHttpResponse answers each
// request with a 200 carrying its body.
func TestPipyEchoServer(t *testing.T) {
	h := pipelinetest.Of(t, DecodeRequest(), EncodeResponse(nil))
	h.InputString("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello" +
		"GET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	want := "HTTP/1.1 200 OK\r\nhost: x\r\ncontent-length: 5\r\n\r\nhello" +
		"HTTP/1.1 200 OK\r\nhost: x\r\nconnection: close\r\ncontent-length: 0\r\n\r\n"
	if got := h.OutputString(); got != want || !h.Ended() {
		t.Fatalf("got %q (ended %v), want %q", got, h.Ended(), want)
	}
}

// Pipy: a response head fed to encodeHttpRequest is "GET /" with its
// headers.
func TestPipyEncodeRequestAcceptsResponseHead(t *testing.T) {
	h := pipelinetest.Of(t, EncodeRequest(nil))
	h.InputMessage(&ResponseHead{Status: 404, Headers: Headers{{"host", "u"}, {"content-length", "1"}}}, "")
	h.InputMessage(nil, "")
	want := "GET / HTTP/1.1\r\nhost: u\r\n\r\nGET / HTTP/1.1\r\n\r\n"
	if got := h.OutputString(); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// Pipy: a head given to an encoder replaces the message's head instead of
// filling its gaps.
func TestPipyEncoderHeadArgumentReplaces(t *testing.T) {
	arg := map[string]any{"status": 201, "headers": map[string]any{"x-b": "2"}}
	h := pipelinetest.Of(t, EncodeResponse(arg))
	h.InputMessage(&ResponseHead{Status: 500, Headers: Headers{{"x-a", "1"}}}, "a")
	h.InputMessage(&ResponseHead{Status: 404}, "b")
	want := "HTTP/1.1 201 Created\r\nx-b: 2\r\ncontent-length: 1\r\n\r\na" +
		"HTTP/1.1 201 Created\r\nx-b: 2\r\ncontent-length: 1\r\n\r\nb"
	if got := h.OutputString(); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	msgs := h.Messages()
	if len(msgs) != 2 || msgs[0].Head == msgs[1].Head {
		t.Fatal("each message must get its own copy of the filter's head")
	}

	h = pipelinetest.Of(t, EncodeRequest(func(*pipeline.Stream) any {
		return &RequestHead{Method: "PUT", Path: "/f", Headers: Headers{{"host", "h"}}}
	}))
	h.InputMessage(map[string]any{"method": "POST", "path": "/m"}, "z")
	if got, want := h.OutputString(), "PUT /f HTTP/1.1\r\nhost: h\r\ncontent-length: 1\r\n\r\nz"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// Pipy: encoders keep message boundaries: a MessageStart with the head
// written, the bytes, a MessageEnd, so a filter after an encoder sees whole
// messages.
func TestPipyEncoderKeepsMessageBoundaries(t *testing.T) {
	h := pipelinetest.Of(t, EncodeResponse(nil))
	rh := &ResponseHead{Protocol: "HTTP/1.1", Status: 200, StatusText: "OK", Headers: Headers{{"a", "1"}}}
	h.InputMessage(rh, "hi")
	h.Input(&event.MessageStart{Head: &ResponseHead{Status: 204}}, &event.MessageEnd{})
	want := `MSHTTP/1.1 200 OK {a: 1} D"HTTP/1.1 200 OK\r\na: 1\r\ncontent-length: 2\r\n\r\nhi" ME ` +
		`MSHTTP/1.1 204 No Content {} D"HTTP/1.1 204 No Content\r\n\r\n" ME`
	if got := pipelinetest.Dump(h.Output()); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if h.Messages()[0].Head != rh {
		t.Fatal("the message's own head should go on")
	}

	h = pipelinetest.Of(t, &EncodeRequestFilter{BufferSize: 2})
	h.Input(&event.MessageStart{Head: &RequestHead{Method: "POST", Headers: Headers{{"host", "h"}}}},
		event.FromString("abc"), event.FromString("d"), &event.MessageEnd{})
	msgs := h.Messages()
	if len(msgs) != 1 || msgs[0].Body.String() != "POST / HTTP/1.1\r\nhost: h\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n1\r\nd\r\n0\r\n\r\n" {
		t.Fatalf("got %s", pipelinetest.Dump(h.Output()))
	}
}

// The error response a failed request decoder gets is a message too.
func TestErrorResponseIsAMessage(t *testing.T) {
	h := pipelinetest.Of(t, DecodeRequest(), EncodeResponse(nil))
	h.InputString("BAD\r\n\r\n")
	msgs := h.Messages()
	if len(msgs) != 1 || msgs[0].Head.(*ResponseHead).Status != 400 ||
		msgs[0].Body.String() != "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n" {
		t.Fatalf("got %s", pipelinetest.Dump(h.Output()))
	}
}

// An encoder can feed a decoder: the decoder reads only the bytes and drops
// the encoder's message boundaries.
func TestEncodeDecodeChain(t *testing.T) {
	h := pipelinetest.Of(t, EncodeRequest(nil), DecodeRequest())
	h.InputMessage(&RequestHead{Method: "POST", Path: "/a", Headers: Headers{{"host", "h"}}}, "body")
	h.InputMessage(map[string]any{"path": "/b", "headers": map[string]any{"host": "h"}}, "")
	msgs := h.Messages()
	if len(msgs) != 2 || msgs[0].Head.(*RequestHead).String() != "POST /a HTTP/1.1 {host: h}" || msgs[0].Body.String() != "body" ||
		msgs[1].Head.(*RequestHead).Path != "/b" {
		t.Fatalf("got %s", pipelinetest.Dump(h.Output()))
	}

	h = pipelinetest.Of(t, EncodeResponse(nil), DecodeResponse())
	h.InputMessage(map[string]any{"status": 404, "headers": map[string]any{"x": "y"}}, "nope")
	msgs = h.Messages()
	if len(msgs) != 1 || msgs[0].Head.(*ResponseHead).String() != "HTTP/1.1 404 Not Found {x: y}" || msgs[0].Body.String() != "nope" {
		t.Fatalf("got %s", pipelinetest.Dump(h.Output()))
	}
}

// Pipy: decoders take the framing fields out of the headers; the
// connection's persistence is kept in the head's Connection.
func TestPipyDecoderStripsFramingHeaders(t *testing.T) {
	h := pipelinetest.Of(t, DecodeRequest())
	h.InputString("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nKeep-Alive: timeout=5\r\nConnection: keep-alive\r\nX-A: 1\r\n\r\n1\r\na\r\n0\r\n\r\n" +
		"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: Upgrade, close\r\nUpgrade: ws\r\n\r\n")
	msgs := h.Messages()
	if len(msgs) != 2 {
		t.Fatalf("got %s", pipelinetest.Dump(h.Output()))
	}
	r0, r1 := msgs[0].Head.(*RequestHead), msgs[1].Head.(*RequestHead)
	if r0.Headers.String() != "{host: x, x-a: 1}" || r0.Connection != ConnKeepAlive || !r0.KeepAlive() {
		t.Fatalf("first: %v %v", r0, r0.Connection)
	}
	if r1.Headers.String() != "{host: x, connection: Upgrade, close, upgrade: ws}" || r1.Connection != ConnClose {
		t.Fatalf("second: %v %v", r1, r1.Connection)
	}

	h = pipelinetest.Of(t, DecodeResponse())
	h.InputString("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx")
	rh := h.Messages()[0].Head.(*ResponseHead)
	if rh.Headers.String() != "{}" || rh.Connection != ConnKeepAlive || !rh.KeepAlive() {
		t.Fatalf("response: %v %v", rh, rh.Connection)
	}
}

// Keep-alive survives the framing fields being taken out: a decoded head's
// Connection goes out again as a Connection field.
func TestConnectionModeCarriedThrough(t *testing.T) {
	// HTTP/1.0 keep-alive request, proxied: the upstream must still see it.
	h := pipelinetest.Of(t, DecodeRequest(), EncodeRequest(nil))
	h.InputString("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
	if got, want := h.OutputString(), "GET / HTTP/1.0\r\nconnection: keep-alive\r\n\r\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	// An upstream response that closes closes the client connection too.
	h = pipelinetest.Of(t, DecodeResponse(), EncodeResponse(nil))
	h.InputString("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")
	if got, want := h.OutputString(), "HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok"; got != want || !h.Ended() {
		t.Fatalf("got %q (ended %v), want %q", got, h.Ended(), want)
	}
	// A request that closes gets a response that says so, once.
	h = server(t, DecodeRequest(), func(req *RequestHead, body string) []event.Event {
		return []event.Event{&event.MessageStart{Head: &ResponseHead{Status: 200, Connection: ConnClose}}, &event.MessageEnd{}}
	})
	h.InputString("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if got, want := h.OutputString(), "HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n"; got != want || !h.Ended() {
		t.Fatalf("got %q (ended %v), want %q", got, h.Ended(), want)
	}
}

// A body changed between decoder and encoder goes out framed by its own
// size, whatever the head's framing fields said.
func TestReplacedBodyGetsItsOwnFraming(t *testing.T) {
	swap := &funcFilter{name: "swap", new: func(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
		return pipeline.TargetFunc(func(evt event.Event) {
			switch evt := evt.(type) {
			case *event.Data:
			case *event.MessageEnd:
				next.Input(event.FromString("longer body"))
				next.Input(evt)
			default:
				next.Input(evt)
			}
		})
	}}
	h := pipelinetest.Of(t, DecodeRequest(), swap, EncodeRequest(nil))
	h.InputString("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
	if got, want := h.OutputString(), "POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 11\r\n\r\nlonger body"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	// A map head that names its own framing is framed by its body too.
	h = pipelinetest.Of(t, EncodeResponse(nil))
	h.InputMessage(map[string]any{"headers": map[string]any{"content-length": "1", "transfer-encoding": "chunked"}}, "four")
	if got, want := h.OutputString(), "HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nfour"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// Header names and values set by scripts or Go are checked when encoded: a
// CR, LF or NUL (and, in a name, any byte that is not a token's) fails the
// stream with a RuntimeError naming the field, and no byte of that head is
// written.
func TestEncoderRejectsCRLFInHeader(t *testing.T) {
	bad := []Header{
		{"x-split", "a\r\nset-cookie: evil"},
		{"x-lf", "a\nb"},
		{"x-cr", "a\rb"},
		{"x-nul", "a\x00b"},
		{"x-name\r\nevil", "v"},
		{"bad name", "v"},
		{"x:y", "v"},
		{"", "v"},
	}
	for _, f := range bad {
		for _, enc := range []pipeline.Filter{EncodeResponse(nil), EncodeRequest(nil)} {
			h := pipelinetest.Of(t, enc)
			var head any = &ResponseHead{Status: 200, Headers: Headers{{"ok", "1"}, f}}
			if _, ok := enc.(*EncodeRequestFilter); ok {
				head = &RequestHead{Method: "GET", Headers: Headers{{"ok", "1"}, f}}
			}
			h.InputMessage(head, "body")
			se := h.SessionEnd()
			if se == nil || se.Err != event.RuntimeError || !errors.Is(se.Cause, ErrBadHeader) || !errors.Is(se.Cause, ErrInvalidHead) {
				t.Fatalf("%s %q: session end %v", enc.Info().Name, f.Name, se)
			}
			if !strings.Contains(se.Message, "header field") || !strings.Contains(se.Message, strings.ReplaceAll(f.Name, "\r\n", `\r\n`)) {
				t.Errorf("%s: message %q does not name the field %q", enc.Info().Name, se.Message, f.Name)
			}
			// No byte of the bad head goes out: a request encoder writes
			// nothing, a response encoder answers 500 in its place.
			out := h.OutputString()
			if _, ok := enc.(*EncodeRequestFilter); ok && out != "" {
				t.Errorf("%s %q: bytes written: %q", enc.Info().Name, f.Name, out)
			} else if !ok && (!strings.HasPrefix(out, "HTTP/1.1 500 ") || strings.Contains(out, "ok: 1")) {
				t.Errorf("%s %q: not a 500 in place of the head: %q", enc.Info().Name, f.Name, out)
			}
		}
	}
	// The same from a map head, as scripts give them.
	h := pipelinetest.Of(t, EncodeResponse(map[string]any{"headers": map[string]any{"x-a": "1\r\n\r\nHTTP/1.1 200 OK"}}))
	h.InputMessage(nil, "")
	if se := h.SessionEnd(); se == nil || !errors.Is(se.Cause, ErrBadHeader) || !strings.HasPrefix(h.OutputString(), "HTTP/1.1 500 ") {
		t.Fatalf("map head: %v %q", se, h.OutputString())
	}
}
