package http1

import (
	"errors"
	"strings"
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
)

// responseSummary lists the responses that came out as "status body".
func responseSummary(h *pipelinetest.Harness) string {
	var parts []string
	for _, m := range h.Messages() {
		parts = append(parts, strings.TrimSpace(m.Head.(*ResponseHead).String()+" "+m.Body.String()))
	}
	return strings.Join(parts, " | ")
}

func TestDecodeResponseFilterSplits(t *testing.T) {
	raw := "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" +
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n" +
		"HTTP/1.0 404 Not Found\r\n\r\nuntil close"
	for _, pieces := range pipelinetest.Splits([]byte(raw)) {
		h := pipelinetest.Of(t, DecodeResponse())
		for _, p := range pieces {
			h.InputBytes(p)
		}
		h.End()
		want := "HTTP/1.1 200 OK {} ok | HTTP/1.1 200 OK {} a | HTTP/1.0 404 Not Found {} until close"
		if got := responseSummary(h); got != want {
			t.Fatalf("%d pieces: got %s", len(pieces), got)
		}
		if se := h.SessionEnd(); se == nil || se.Err != event.NoError {
			t.Fatalf("session end %v", se)
		}
	}
}

func TestDecodeResponseUpstreamFailure(t *testing.T) {
	cases := []struct {
		kind   event.ErrorKind
		status int
	}{
		{event.CannotResolve, 503},
		{event.ConnectionRefused, 503},
		{event.ReadError, 502},
		{event.Unauthorized, 401},
		{event.Timeout, 504},
		{event.WriteError, 502},
		{event.RuntimeError, 500},
		{event.UnknownError, 500},
	}
	for _, c := range cases {
		t.Run(c.kind.String(), func(t *testing.T) {
			h := pipelinetest.Of(t, DecodeResponse())
			h.Input(&event.SessionEnd{Err: c.kind})
			msgs := h.Messages()
			if len(msgs) != 1 || msgs[0].Head.(*ResponseHead).Status != c.status {
				t.Fatalf("got %s", pipelinetest.Dump(h.Output()))
			}
			if se := sessionEnd(t, h.Output()); se.Err != c.kind {
				t.Fatalf("session end %v", se)
			}
		})
	}
}

func TestDecodeResponseGarbage(t *testing.T) {
	h := pipelinetest.Of(t, DecodeResponse())
	h.InputString("HTTP/1.1 2OO OK\r\n\r\n")
	msgs := h.Messages()
	if len(msgs) != 1 || msgs[0].Head.(*ResponseHead).Status != 502 {
		t.Fatalf("got %s", pipelinetest.Dump(h.Output()))
	}
	se := sessionEnd(t, h.Output())
	if se.Err != event.ProtocolError || syntaxStatus(se) != 502 {
		t.Fatalf("session end %v", se)
	}
}

func TestDecodeResponseCutMidBody(t *testing.T) {
	h := pipelinetest.Of(t, DecodeResponse())
	h.InputString("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc").Input(&event.SessionEnd{Err: event.ReadError})
	if len(h.Messages()) != 0 {
		t.Fatalf("a cut response came out whole: %s", pipelinetest.Dump(h.Output()))
	}
	if se := sessionEnd(t, h.Output()); se.Err != event.ReadError {
		t.Fatalf("session end %v", se)
	}

	h = pipelinetest.Of(t, DecodeResponse())
	h.InputString("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc").End()
	if se := sessionEnd(t, h.Output()); se.Err != event.ProtocolError || !errors.Is(se.Cause, ErrUnexpectedEnd) || len(h.Messages()) != 0 {
		t.Fatalf("session end %v, output %s", se, pipelinetest.Dump(h.Output()))
	}
}

// client is the pipeline of an HTTP client: encode, a fake upstream, decode.
func client(t *testing.T, replies []string, end *event.SessionEnd, seen *[]string) *pipelinetest.Harness {
	return pipelinetest.Of(t, EncodeRequest(nil), upstream(replies, end, seen), DecodeResponse())
}

func TestClientHeadAndConnect(t *testing.T) {
	var seen []string
	h := client(t, []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", // to HEAD: no body
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
		"HTTP/1.1 200 Connection Established\r\n\r\n\x16\x03 tunnel",
	}, nil, &seen)
	h.InputMessage(&RequestHead{Method: "HEAD", Path: "/h", Headers: Headers{{"host", "u"}}}, "")
	h.InputMessage(map[string]any{"method": "POST", "path": "/p", "headers": map[string]any{"host": "u"}}, "data")
	h.InputMessage(&RequestHead{Method: "CONNECT", Path: "u:443", Headers: Headers{{"host", "u:443"}}}, "")
	want := "HTTP/1.1 200 OK {content-length: 5} | HTTP/1.1 100 Continue {} | HTTP/1.1 200 OK {} hello | HTTP/1.1 200 Connection Established {}"
	if got := responseSummary(h); got != want {
		t.Fatalf("got %s\nwant %s", got, want)
	}
	var tunnel string
	out := h.Output()
	if d, ok := out[len(out)-1].(*event.Data); ok {
		tunnel = d.String()
	}
	if tunnel != "\x16\x03 tunnel" {
		t.Fatalf("tunnel bytes %q: %s", tunnel, pipelinetest.Dump(out))
	}
	if got := strings.Join(seen, " | "); got != "HEAD /h HTTP/1.1 {host: u} | POST /p HTTP/1.1 {host: u} | CONNECT u:443 HTTP/1.1 {host: u:443}" {
		t.Fatalf("upstream saw %s", got)
	}
}

func TestClientUpstreamFailure(t *testing.T) {
	// Two requests written, one answered, then the upstream fails: the
	// other gets a synthetic response.
	h := client(t, []string{"HTTP/1.1 204 No Content\r\n\r\n"}, &event.SessionEnd{Err: event.ConnectionRefused}, nil)
	h.InputMessage(&RequestHead{Path: "/1", Headers: Headers{{"host", "u"}}}, "")
	h.InputMessage(&RequestHead{Path: "/2", Headers: Headers{{"host", "u"}}}, "")
	h.InputMessage(&RequestHead{Path: "/3", Headers: Headers{{"host", "u"}}}, "")
	h.End()
	want := "HTTP/1.1 204 No Content {} | HTTP/1.1 503 Service Unavailable {} | HTTP/1.1 503 Service Unavailable {}"
	if got := responseSummary(h); got != want {
		t.Fatalf("got %s\nwant %s", got, want)
	}

	// Nothing waiting: a failure of an idle connection answers nothing.
	h = client(t, []string{"HTTP/1.1 204 No Content\r\n\r\n"}, &event.SessionEnd{Err: event.ReadError}, nil)
	h.InputMessage(&RequestHead{Path: "/1", Headers: Headers{{"host", "u"}}}, "").End()
	if got := responseSummary(h); got != "HTTP/1.1 204 No Content {}" {
		t.Fatalf("got %s", got)
	}

	// A response cut in its head still gets its answer.
	h = client(t, []string{"HTTP/1.1 200 OK\r\nContent-"}, &event.SessionEnd{Err: event.ReadError}, nil)
	h.InputMessage(&RequestHead{Path: "/1", Headers: Headers{{"host", "u"}}}, "").End()
	if got := responseSummary(h); got != "HTTP/1.1 502 Bad Gateway {}" {
		t.Fatalf("got %s", got)
	}

	// A clean close with a request waiting answers 502.
	h = client(t, nil, nil, nil)
	h.InputMessage(&RequestHead{Path: "/1", Headers: Headers{{"host", "u"}}}, "").End()
	if got := responseSummary(h); got != "HTTP/1.1 502 Bad Gateway {}" {
		t.Fatalf("got %s", got)
	}
}

func TestClientMethodsFromOptions(t *testing.T) {
	calls := 0
	dec := &DecodeResponseFilter{Options: Options{RequestMethod: func() string { calls++; return "HEAD" }}}
	h := pipelinetest.Of(t, dec)
	h.InputString("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
	if len(h.Messages()) != 2 || calls != 2 {
		t.Fatalf("calls %d, output %s", calls, pipelinetest.Dump(h.Output()))
	}
}

func TestEncodeRequestFilter(t *testing.T) {
	h := pipelinetest.Of(t, &EncodeRequestFilter{BufferSize: 4})
	h.InputMessage(map[string]any{"method": "POST", "headers": map[string]any{"host": "d"}}, "abc")
	h.Input(&event.MessageStart{Head: &RequestHead{Method: "POST", Path: "/big", Headers: Headers{{"host", "d"}, {"content-length", "99"}}}},
		event.FromString("abc"), event.FromString("defg"), event.FromString("h"), &event.MessageEnd{})
	h.InputMessage(&RequestHead{Method: "GET", Path: "/g", Headers: Headers{{"host", "d"}}}, "")
	h.InputString("raw")
	want := "POST / HTTP/1.1\r\nhost: d\r\ncontent-length: 3\r\n\r\nabc" +
		"POST /big HTTP/1.1\r\nhost: d\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n1\r\nh\r\n0\r\n\r\n" +
		"GET /g HTTP/1.1\r\nhost: d\r\n\r\nraw"
	if got := h.OutputString(); got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}

	h = pipelinetest.Of(t, &EncodeRequestFilter{BufferSize: -1})
	h.InputMessage(&RequestHead{Method: "PUT", Headers: Headers{{"host", "h"}}}, "x")
	want = "PUT / HTTP/1.1\r\nhost: h\r\ntransfer-encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n"
	if got := h.OutputString(); got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}

	h = pipelinetest.Of(t, EncodeRequest(nil))
	h.Input(&event.MessageStart{Head: &RequestHead{Method: "PUT"}}, event.FromString("x"), &event.MessageEnd{Tail: map[string]any{"t": "1"}})
	want = "PUT / HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nt: 1\r\n\r\n"
	if got := h.OutputString(); got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}

	for _, head := range []any{&RequestHead{Path: "/a b"}, 42} {
		h = pipelinetest.Of(t, EncodeRequest(nil))
		h.InputMessage(head, "")
		if se := h.SessionEnd(); se == nil || se.Err != event.RuntimeError || !errors.Is(se.Cause, ErrInvalidHead) {
			t.Fatalf("head %v: session end %v", head, se)
		}
	}
	h = pipelinetest.Of(t, EncodeRequest(func(*pipeline.Stream) any { return "not a head" }))
	h.InputMessage(nil, "")
	if se := h.SessionEnd(); se == nil || se.Err != event.RuntimeError {
		t.Fatalf("session end %v", se)
	}
	h = pipelinetest.Of(t, EncodeRequest(func(*pipeline.Stream) any { panic("boom") }))
	h.InputMessage(nil, "")
	if se := h.SessionEnd(); se == nil || se.Err != event.RuntimeError {
		t.Fatalf("session end %v", se)
	}
}

func TestInfos(t *testing.T) {
	var names []string
	for _, i := range Infos() {
		names = append(names, i.Name+i.Synopsis)
	}
	if got := strings.Join(names, " "); got != "decodeHttpRequest([options]) decodeHttpResponse() encodeHttpRequest([head]) encodeHttpResponse([head]) muxHTTP(target, options)" {
		t.Fatalf("Infos: %s", got)
	}
}
