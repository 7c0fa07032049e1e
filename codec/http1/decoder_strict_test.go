package http1

import (
	"strings"
	"testing"
)

// The decoder's leniencies (what Pipy and other servers accept safely) and
// strictness (what parsers disagree on, refused). These cases are ours; the
// shared corpus (testdata/http1-cases.json) holds more of the same.

func runFramingCases(t *testing.T, cases []framingCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { runFramingCase(t, c) })
	}
}

func TestRequestWithoutHostIsAccepted(t *testing.T) {
	runFramingCases(t, []framingCase{
		{name: "HTTP/1.1 without Host", raw: "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\nX: 1\r\n\r\n",
			want: []string{"GET /a HTTP/1.1 {} |  | ", "GET /b HTTP/1.1 {x: 1} |  | "}},
		{name: "POST without Host", raw: "POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi",
			want: []string{"POST / HTTP/1.1 {content-length: 2} | hi | "}},
		{name: "two Host fields still refused", raw: "GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n", status: 400, sentinel: ErrBadHost},
	})
}

func TestBareLFEndsHeadLine(t *testing.T) {
	runFramingCases(t, []framingCase{
		{name: "every line", raw: "GET /lf HTTP/1.1\nHost: x\nX-A: 1\n\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n",
			want: []string{"GET /lf HTTP/1.1 {host: x, x-a: 1} |  | ", "GET /2 HTTP/1.1 {host: x} |  | "}},
		{name: "mixed with CRLF and a body", raw: "POST / HTTP/1.1\r\nHost: x\nContent-Length: 3\r\n\nabc",
			want: []string{"POST / HTTP/1.1 {host: x, content-length: 3} | abc | "}},
		{name: "response", response: true, raw: "HTTP/1.1 200 OK\nContent-Length: 2\n\nok",
			want: []string{"HTTP/1.1 200 OK {content-length: 2} | ok | "}},
		{name: "line at the limit", opts: Options{MaxLineSize: 16}, raw: "GET /12 HTTP/1.1\nHost: x\n\n",
			want: []string{"GET /12 HTTP/1.1 {host: x} |  | "}},
		{name: "line one over the limit", opts: Options{MaxLineSize: 16}, raw: "GET /123 HTTP/1.1\nHost: x\n\n",
			status: 414, sentinel: ErrLineTooLong},
		{name: "not after a chunk size", raw: "POST / HTTP/1.1\nHost: x\nTransfer-Encoding: chunked\n\n5\nhello\r\n0\r\n\r\n",
			want: []string{"POST / HTTP/1.1 {host: x, transfer-encoding: chunked} |  | "}, partial: true,
			status: 400, sentinel: ErrBadChunk},
		{name: "not after chunk data", raw: "POST / HTTP/1.1\nHost: x\nTransfer-Encoding: chunked\n\n5\r\nhello\n0\r\n\r\n",
			want: []string{"POST / HTTP/1.1 {host: x, transfer-encoding: chunked} | hello | "}, partial: true,
			status: 400, sentinel: ErrBadChunk},
		{name: "bare CR still refused", raw: "GET / HTTP/1.1\rHost: x\r\n\r\n", status: 400, sentinel: ErrMalformed},
		{name: "obs-fold still refused", raw: "GET / HTTP/1.1\nHost: x\nX: a\n b\n\n", status: 400, sentinel: ErrMalformed},
	})
}

func TestDuplicateIdenticalContentLength(t *testing.T) {
	runFramingCases(t, []framingCase{
		{name: "counted once", raw: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhelloGET /2 HTTP/1.1\r\n\r\n",
			want: []string{"POST / HTTP/1.1 {host: x, content-length: 5, content-length: 5} | hello | ", "GET /2 HTTP/1.1 {} |  | "}},
		{name: "equal numbers counted once", raw: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 05\r\n\r\nhello",
			want: []string{"POST / HTTP/1.1 {host: x, content-length: 5, content-length: 05} | hello | "}},
		{name: "different lengths refused", raw: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
			status: 400, sentinel: ErrBadContentLength},
		{name: "with Transfer-Encoding refused", raw: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
			status: 400, sentinel: ErrAmbiguousLength},
	})
}

func TestEmptyChunkExtensionIsRejected(t *testing.T) {
	head := "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
	started := []string{"POST / HTTP/1.1 {host: x, transfer-encoding: chunked} |  | "}
	bad := func(name, line string) framingCase {
		return framingCase{name: name, raw: head + line + "\r\nhello\r\n0\r\n\r\n", want: started, partial: true, status: 400, sentinel: ErrBadChunk}
	}
	good := func(name, line string) framingCase {
		return framingCase{name: name, raw: head + line + "\r\nhello\r\n0\r\n\r\n", want: []string{"POST / HTTP/1.1 {host: x, transfer-encoding: chunked} | hello | "}}
	}
	runFramingCases(t, []framingCase{
		bad("bare semicolon", "5;"),
		bad("semicolon and space", "5; "),
		bad("two semicolons", "5;;a"),
		bad("value without name", "5;=x"),
		bad("second extension empty", "5;a=b;"),
		bad("unterminated quoted value", "5;a=\"x"),
		good("name", "5;a"),
		good("name with whitespace", "5 ; a = b"),
		good("two extensions", "5;a=b;c"),
		good("quoted semicolon", "5;a=\"x;\""),
		good("quoted escape", "5;a=\"\\\";\""),
	})
}

func TestRequestTargetForms(t *testing.T) {
	ok := func(name, line, want string) framingCase {
		return framingCase{name: name, raw: line + "\r\nHost: h\r\n\r\n", want: []string{want + " HTTP/1.1 {host: h} |  | "}}
	}
	bad := func(name, line string) framingCase {
		return framingCase{name: name, raw: line + "\r\nHost: h\r\n\r\n", status: 400, sentinel: ErrMalformed}
	}
	runFramingCases(t, []framingCase{
		ok("OPTIONS asterisk", "OPTIONS * HTTP/1.1", "OPTIONS *"),
		bad("GET asterisk", "GET * HTTP/1.1"),
		bad("POST asterisk", "POST * HTTP/1.1"),
		ok("CONNECT host and port", "CONNECT h:443 HTTP/1.1", "CONNECT h:443"),
		ok("CONNECT IPv6 and port", "CONNECT [::1]:443 HTTP/1.1", "CONNECT [::1]:443"),
		bad("GET authority-form", "GET h:80 HTTP/1.1"),
		bad("GET authority-form IPv6", "GET [::1]:80 HTTP/1.1"),
		bad("CONNECT without port", "CONNECT h HTTP/1.1"),
		bad("CONNECT empty port", "CONNECT h: HTTP/1.1"),
		bad("CONNECT origin-form", "CONNECT / HTTP/1.1"),
		bad("CONNECT absolute-form", "CONNECT http://h:443/ HTTP/1.1"),
		bad("CONNECT userinfo", "CONNECT u@h:443 HTTP/1.1"),
		bad("CONNECT bad port", "CONNECT h:44x HTTP/1.1"),
		bad("absolute-form without authority", "GET http:///x HTTP/1.1"),
		bad("absolute-form with userinfo", "GET http://u:p@h/x HTTP/1.1"),
		bad("scheme without slashes", "GET http:x HTTP/1.1"),
		bad("OPTIONS authority-form", "OPTIONS h:80 HTTP/1.1"),
	})
}

func TestRawHighBytesInTargetAreRejected(t *testing.T) {
	for _, target := range []string{"/\xff", "/caf\xc3\xa9", "/a?q=\x80", "http://h/\xc3\xa9", "/" + strings.Repeat("a", 20) + "\x80"} {
		runFramingCase(t, framingCase{raw: "GET " + target + " HTTP/1.1\r\nHost: h\r\n\r\n", status: 400, sentinel: ErrMalformed})
	}
	runFramingCase(t, framingCase{raw: "GET /caf%C3%A9 HTTP/1.1\r\nHost: h\r\nX: caf\xc3\xa9\r\n\r\n",
		want: []string{"GET /caf%C3%A9 HTTP/1.1 {host: h, x: caf\xc3\xa9} |  | "}})
}

func TestTargetNormalization(t *testing.T) {
	for _, c := range []struct{ target, path, host string }{
		{"/", "/", "h"},
		{"/a/b?x=/../y", "/a/b?x=/../y", "h"},
		{"/a/./b/../c", "/a/c", "h"},
		{"/a/b/..", "/a/", "h"},
		{"/a/b/.", "/a/b/", "h"},
		{"/a/..", "/", "h"},
		{"/.a/..b/...", "/.a/..b/...", "h"},
		{"//a/../b", "//b", "h"},
		{"/%2e%2E/", "", ""},
		{"/x/%2E%2e/admin", "/admin", "h"},
		{"/%41%7e%2D%5F%2F%20", "/A~-_%2F%20", "h"},
		{"/%c3%a9", "/%c3%a9", "h"},
		{"/a/%2e%2e%2fb", "/a/..%2fb", "h"},
		{"/a%2", "", ""},
		{"/a%zz", "", ""},
		{"/../a", "", ""},
		{"/a/../../b", "", ""},
		{"/a/%2e%2e/%2e%2e/b", "", ""},
		{"http://a.example", "/", "a.example"},
		{"http://a.example?q", "/?q", "a.example"},
		{"HTTP://a.example:8080/x/../y?z", "/y?z", "a.example:8080"},
		{"https://[::1]:8443/", "/", "[::1]:8443"},
		{"http://a.example/../x", "", ""},
	} {
		t.Run(c.target, func(t *testing.T) {
			raw := "GET " + c.target + " HTTP/1.1\r\nHost: h\r\n\r\n"
			if c.path == "" {
				runFramingCase(t, framingCase{raw: raw, status: 400, sentinel: ErrMalformed})
				return
			}
			runFramingCase(t, framingCase{raw: raw, want: []string{"GET " + c.path + " HTTP/1.1 {host: " + c.host + "} |  | "}})
		})
	}
	runFramingCase(t, framingCase{raw: "OPTIONS http://a.example:81 HTTP/1.1\r\n\r\nOPTIONS http://a.example/ HTTP/1.1\r\n\r\n",
		want: []string{"OPTIONS * HTTP/1.1 {host: a.example:81} |  | ", "OPTIONS / HTTP/1.1 {host: a.example} |  | "}})
	// An absolute-form target gives the request a Host when it has none.
	runFramingCase(t, framingCase{raw: "GET http://a.example/x HTTP/1.1\r\nX: 1\r\n\r\n",
		want: []string{"GET /x HTTP/1.1 {host: a.example, x: 1} |  | "}})
}

func TestTLSClientHelloIsRefusedAtOnce(t *testing.T) {
	for _, c := range []struct{ name, raw string }{
		{"ClientHello", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"},
		{"first byte only", "\x16"},
		{"after a CRLF", "\r\n\x16\x03\x01"},
		{"NUL", "\x00"},
		{"bad byte in method", "GE\x80"},
		{"space first", " GET / HTTP/1.1"},
		{"CR inside", "\rGET"},
	} {
		t.Run(c.name, func(t *testing.T) {
			// No End: the error must come from the bytes alone.
			runFramingCase(t, framingCase{raw: c.raw, noEnd: true, status: 400, sentinel: ErrMalformed})
		})
	}
	// A method still arriving is no error yet.
	runFramingCase(t, framingCase{raw: "\r\nGET", noEnd: true})
}
