package http1

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/sluice-go/sluice/event"
)

// framingCase is one table case: raw bytes, and the messages (as
// "head | body | tail") the decoder must produce however raw is split.
type framingCase struct {
	name     string
	response bool
	methods  []string // answers of Options.RequestMethod, in order
	opts     Options
	raw      string
	noEnd    bool // do not call End after the input
	want     []string
	partial  bool   // the last message of want has no MessageEnd
	tunnel   string // bytes emitted outside messages
	status   int    // want a *SyntaxError with this status
	sentinel error  // … wrapping this sentinel
}

func (c framingCase) options(t testing.TB) Options {
	o := c.opts
	if c.methods != nil {
		q := append([]string(nil), c.methods...)
		o.RequestMethod = func() string {
			if len(q) == 0 {
				t.Fatalf("RequestMethod called more often than %d times", len(c.methods))
			}
			m := q[0]
			q = q[1:]
			return m
		}
	}
	return o
}

func runFramingCase(t *testing.T, c framingCase) {
	t.Helper()
	var first *result
	eachSplit([]byte(c.raw), func(pieces [][]byte) bool {
		res := decodePieces(t, c.response, c.options(t), pieces, !c.noEnd)
		if first == nil {
			first = &res
			checkFramingResult(t, c, res)
		} else if !sameResult(*first, res) {
			t.Fatalf("feeding %d pieces (first %d bytes) gave\n%v\nbut whole gave\n%v", len(pieces), len(pieces[0]), res, *first)
		}
		return true
	})
}

func checkFramingResult(t *testing.T, c framingCase, res result) {
	t.Helper()
	var got []string
	for i, m := range res.Msgs {
		s := m.Head + " | " + m.Body + " | " + m.Tail
		got = append(got, s)
		if m.Complete != (i < len(res.Msgs)-1 || !c.partial) {
			t.Errorf("message %d complete=%v", i, m.Complete)
		}
	}
	want := make([]string, len(c.want))
	final := 0 // final answers so far: their methods are c.methods in order
	for i, w := range c.want {
		keepLength := false
		if c.response {
			var status int
			fmt.Sscanf(w, "HTTP/1.%d %d", new(int), &status)
			if status >= 200 {
				keepLength = status == 304 || final < len(c.methods) && c.methods[final] == "HEAD"
				final++
			}
		}
		want[i] = framingTakenOut(w, keepLength)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got messages\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if res.Tunnel != c.tunnel {
		t.Errorf("tunnel bytes %q, want %q", res.Tunnel, c.tunnel)
	}
	if c.status == 0 {
		if res.Err != nil {
			t.Errorf("unexpected error %v", res.Err)
		}
		return
	}
	var se *SyntaxError
	if !errors.As(res.Err, &se) {
		t.Fatalf("got error %v, want a SyntaxError with status %d", res.Err, c.status)
	}
	if se.Status != c.status || !errors.Is(se, c.sentinel) {
		t.Errorf("got %v (status %d, %v), want status %d wrapping %v", se, se.Status, se.Err, c.status, c.sentinel)
	}
}

// framingTakenOut returns a wanted message, written "head {fields} | body
// | tail" with the fields as they are on the wire, with the framing fields
// taken out of the head's fields, as the decoder gives them to filters
// (but for the Content-Length of an answer to HEAD or a 304: keepLength).
func framingTakenOut(w string, keepLength bool) string {
	i := strings.IndexByte(w, '{')
	j := strings.Index(w, "} |")
	if i < 0 || j < i {
		return w
	}
	var fields []string // "a: 1, b: 2, 3" split between fields, not inside values
	for _, p := range strings.Split(w[i+1:j], ", ") {
		if len(fields) > 0 && !fieldRE.MatchString(p) {
			fields[len(fields)-1] += ", " + p
		} else {
			fields = append(fields, p)
		}
	}
	var kept []string
	for _, f := range fields {
		name, value, _ := strings.Cut(f, ": ")
		if f != "" && (keepLength && name == "content-length" || !framingOnly(&Header{name, value})) {
			kept = append(kept, f)
		}
	}
	return w[:i+1] + strings.Join(kept, ", ") + w[j:]
}

// fieldRE matches the start of a field.
var fieldRE = regexp.MustCompile(`^[a-z0-9-]+: `)

func TestDecodeRequestFraming(t *testing.T) {
	cases := []framingCase{
		{name: "leading empty lines ignored", raw: "\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
			want: []string{"GET / HTTP/1.1 {host: x} |  | "}},
		{name: "trailing CRLF after message is clean", raw: "GET / HTTP/1.1\r\nHost: x\r\n\r\n\r\n",
			want: []string{"GET / HTTP/1.1 {host: x} |  | "}},
		{name: "chunked with several trailers", raw: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n3\r\nabc\r\n0\r\nA: 1\r\nB-B: 2 \r\n\r\n",
			want: []string{"POST / HTTP/1.1 {host: x, transfer-encoding: Chunked} | abc | {a: 1, b-b: 2}"}},
		{name: "chunk extension with whitespace", raw: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3 ; a=\"b c\"\r\nabc\r\n000\r\n\r\n",
			want: []string{"POST / HTTP/1.1 {host: x, transfer-encoding: chunked} | abc | "}},
		{name: "identical content-lengths accepted", raw: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nhi",
			want: []string{"POST / HTTP/1.1 {host: x, content-length: 2, content-length: 2} | hi | "}},
		{name: "body bytes are not heads", raw: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 31\r\n\r\nGET /evil HTTP/1.1\r\nHost: x\r\n\r\n",
			want: []string{"POST / HTTP/1.1 {host: x, content-length: 31} | GET /evil HTTP/1.1\r\nHost: x\r\n\r\n | "}},
		{name: "connection close discards later requests", raw: "GET /1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n",
			want: []string{"GET /1 HTTP/1.1 {host: x, connection: close} |  | "}},
		{name: "connection close among tokens", raw: "GET /1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade , CLOSE\r\n\r\nGARBAGE",
			want: []string{"GET /1 HTTP/1.1 {host: x} |  | "}}, // no Upgrade field: no upgrade, Connection goes
		{name: "http/1.0 closes by default", raw: "GET /1 HTTP/1.0\r\n\r\nGET /2 HTTP/1.0\r\n\r\n",
			want: []string{"GET /1 HTTP/1.0 {} |  | "}},
		{name: "http/1.0 keep-alive", raw: "GET /1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /2 HTTP/1.0\r\n\r\n",
			want: []string{"GET /1 HTTP/1.0 {connection: keep-alive} |  | ", "GET /2 HTTP/1.0 {} |  | "}},
		{name: "expect 100-continue passed through", raw: "PUT /u HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc",
			want: []string{"PUT /u HTTP/1.1 {host: x, expect: 100-continue, content-length: 3} | abc | "}},
		{name: "target forms", raw: "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\nCONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\nGET h2c+x://a HTTP/1.1\r\nHost: a\r\n\r\n",
			want: []string{"OPTIONS * HTTP/1.1 {host: x} |  | ", "CONNECT h:443 HTTP/1.1 {host: h:443} |  | ", "GET / HTTP/1.1 {host: a} |  | "}},
		{name: "extension method and obs-text", raw: "PURGE /caf%C3%A9 HTTP/1.1\r\nHost: x\r\nX: \xff\r\n\r\n",
			want: []string{"PURGE /caf%C3%A9 HTTP/1.1 {host: x, x: \xff} |  | "}},
		{name: "unfinished body at end", raw: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab",
			want: []string{"POST / HTTP/1.1 {host: x, content-length: 5} | ab | "}, partial: true,
			status: 400, sentinel: ErrUnexpectedEnd},
		{name: "unfinished head at end", raw: "GET / HTTP/1.1\r\nHo", status: 400, sentinel: ErrUnexpectedEnd},
		{name: "unfinished trailer at end", raw: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: 1\r\n",
			want: []string{"POST / HTTP/1.1 {host: x, transfer-encoding: chunked} |  | "}, partial: true,
			status: 400, sentinel: ErrUnexpectedEnd},
		{name: "unfinished head without End", raw: "GET / HTTP/1.1\r\nHo", noEnd: true},

		{name: "gzip then chunked unsupported", raw: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
			status: 501, sentinel: ErrUnsupportedTransferCoding},
		{name: "chunked split over two fields", raw: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
			status: 501, sentinel: ErrUnsupportedTransferCoding},
		{name: "chunked twice", raw: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
			status: 400, sentinel: ErrBadTransferEncoding},
		{name: "empty transfer-encoding", raw: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ,\r\n\r\n",
			status: 400, sentinel: ErrBadTransferEncoding},
		{name: "transfer-encoding in http/1.0", raw: "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
			status: 400, sentinel: ErrBadTransferEncoding},
		{name: "TE then CL", raw: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
			status: 400, sentinel: ErrAmbiguousLength},
		{name: "content-length list", raw: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\nabc",
			status: 400, sentinel: ErrBadContentLength},
		{name: "content-length empty", raw: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length:\r\n\r\n",
			status: 400, sentinel: ErrBadContentLength},
		{name: "content-length overflow", raw: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
			status: 400, sentinel: ErrBadContentLength},
		{name: "chunk size without digits", raw: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n;x\r\n",
			want: []string{"POST / HTTP/1.1 {host: x, transfer-encoding: chunked} |  | "}, partial: true,
			status: 400, sentinel: ErrBadChunk},
		{name: "chunk size with trailing space only", raw: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3 \r\nabc\r\n0\r\n\r\n",
			want: []string{"POST / HTTP/1.1 {host: x, transfer-encoding: chunked} |  | "}, partial: true,
			status: 400, sentinel: ErrBadChunk},
		{name: "bare CR after chunk size", raw: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\rabc\r\n0\r\n\r\n",
			want: []string{"POST / HTTP/1.1 {host: x, transfer-encoding: chunked} |  | "}, partial: true,
			status: 400, sentinel: ErrBadChunk},
		{name: "bare LF in chunk extension", raw: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;a\nabc\r\n0\r\n\r\n",
			want: []string{"POST / HTTP/1.1 {host: x, transfer-encoding: chunked} |  | "}, partial: true,
			status: 400, sentinel: ErrBadChunk},
		{name: "chunk data followed by bare LF", raw: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\n0\r\n\r\n",
			want: []string{"POST / HTTP/1.1 {host: x, transfer-encoding: chunked} | abc | "}, partial: true,
			status: 400, sentinel: ErrBadChunk},
		{name: "chunk line too long", opts: Options{MaxChunkLineSize: 8}, raw: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;abcdefgh\r\nabc\r\n0\r\n\r\n",
			want: []string{"POST / HTTP/1.1 {host: x, transfer-encoding: chunked} |  | "}, partial: true,
			status: 400, sentinel: ErrBadChunk},
		{name: "obs-fold in trailer", raw: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: 1\r\n 2\r\n\r\n",
			want: []string{"POST / HTTP/1.1 {host: x, transfer-encoding: chunked} |  | "}, partial: true,
			status: 400, sentinel: ErrMalformed},
		{name: "bare LF ending request line", raw: "GET / HTTP/1.1\nHost: x\r\n\r\n", want: []string{"GET / HTTP/1.1 {host: x} |  | "}},
		{name: "bare LF ending field", raw: "GET / HTTP/1.1\r\nHost: x\n\r\n", want: []string{"GET / HTTP/1.1 {host: x} |  | "}},
		{name: "bare LF ending head", raw: "GET / HTTP/1.1\r\nHost: x\r\n\n", want: []string{"GET / HTTP/1.1 {host: x} |  | "}},
		{name: "bare LF before start line", raw: "\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", want: []string{"GET / HTTP/1.1 {host: x} |  | "}},
		{name: "bare LF in trailer", raw: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: 1\n\r\n",
			want: []string{"POST / HTTP/1.1 {host: x, transfer-encoding: chunked} |  | "}, partial: true,
			status: 400, sentinel: ErrMalformed},
		{name: "bare LF ending trailer", raw: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\n",
			want: []string{"POST / HTTP/1.1 {host: x, transfer-encoding: chunked} |  | "}, partial: true,
			status: 400, sentinel: ErrMalformed},
		{name: "bare CR in value", raw: "GET / HTTP/1.1\r\nHost: x\r\nA: b\rc\r\n\r\n", status: 400, sentinel: ErrMalformed},
		{name: "bare CR in target", raw: "GET /\r HTTP/1.1\r\nHost: x\r\n\r\n", status: 400, sentinel: ErrMalformed},
		{name: "whitespace before first field", raw: "GET / HTTP/1.1\r\n Host: x\r\n\r\n", status: 400, sentinel: ErrMalformed},
		{name: "missing colon", raw: "GET / HTTP/1.1\r\nHost x\r\n\r\n", status: 400, sentinel: ErrMalformed},
		{name: "empty field name", raw: "GET / HTTP/1.1\r\nHost: x\r\n: v\r\n\r\n", status: 400, sentinel: ErrMalformed},
		{name: "double space in request line", raw: "GET  / HTTP/1.1\r\nHost: x\r\n\r\n", status: 400, sentinel: ErrMalformed},
		{name: "relative target", raw: "GET a/b HTTP/1.1\r\nHost: x\r\n\r\n", status: 400, sentinel: ErrMalformed},
		{name: "lower-case version", raw: "GET / http/1.1\r\nHost: x\r\n\r\n", status: 400, sentinel: ErrMalformed},
		{name: "missing version", raw: "GET /\r\n\r\n", status: 400, sentinel: ErrMalformed},
		{name: "trailing space after version", raw: "GET / HTTP/1.1 \r\nHost: x\r\n\r\n", status: 400, sentinel: ErrMalformed},
		{name: "http/1.2", raw: "GET / HTTP/1.2\r\nHost: x\r\n\r\n", status: 505, sentinel: ErrUnsupportedVersion},
		{name: "custom line limit", opts: Options{MaxLineSize: 16}, raw: "GET /0123456789ab HTTP/1.1\r\nHost: x\r\n\r\n",
			status: 414, sentinel: ErrLineTooLong},
		{name: "line exactly at limit", opts: Options{MaxLineSize: 16}, raw: "GET /12 HTTP/1.1\r\nHost: x\r\n\r\n",
			want: []string{"GET /12 HTTP/1.1 {host: x} |  | "}},
		{name: "line one over limit", opts: Options{MaxLineSize: 16}, raw: "GET /123 HTTP/1.1\r\nHost: x\r\n\r\n",
			status: 414, sentinel: ErrLineTooLong},
		{name: "custom head limit", opts: Options{MaxHeadSize: 40}, raw: "GET / HTTP/1.1\r\nHost: x\r\nA: 0123456789\r\n\r\n",
			status: 431, sentinel: ErrHeadTooLarge},
		{name: "head exactly at limit", opts: Options{MaxHeadSize: 27}, raw: "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
			want: []string{"GET / HTTP/1.1 {host: x} |  | "}},
		{name: "head limit below line limit", opts: Options{MaxHeadSize: 10}, raw: "GET /abcdefghijkl HTTP/1.1\r\nHost: x\r\n\r\n",
			status: 431, sentinel: ErrHeadTooLarge},
		{name: "trailer too large", opts: Options{MaxHeadSize: 60}, raw: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: " + strings.Repeat("0", 60) + "\r\n\r\n",
			want: []string{"POST / HTTP/1.1 {host: x, transfer-encoding: chunked} |  | "}, partial: true,
			status: 431, sentinel: ErrHeadTooLarge},
		{name: "custom field limit", opts: Options{MaxHeaders: 2}, raw: "GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\n\r\n",
			status: 431, sentinel: ErrTooManyHeaders},
		{name: "field limit reached exactly", opts: Options{MaxHeaders: 2}, raw: "GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\n\r\n",
			want: []string{"GET / HTTP/1.1 {host: x, a: 1} |  | "}},
		{name: "many fields", raw: "GET / HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("A: 1\r\n", 20) + "\r\n",
			want: []string{"GET / HTTP/1.1 {host: x" + strings.Repeat(", a: 1", 20) + "} |  | "}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { runFramingCase(t, c) })
	}
}

func TestDecodeResponseFraming(t *testing.T) {
	cases := []framingCase{
		{name: "head response ignores content-length", response: true, methods: []string{"HEAD", "GET"},
			raw:  "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi",
			want: []string{"HTTP/1.1 200 OK {content-length: 5} |  | ", "HTTP/1.1 200 OK {content-length: 2} | hi | "}},
		{name: "head response ignores chunked", response: true, methods: []string{"HEAD"},
			raw:  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
			want: []string{"HTTP/1.1 200 OK {transfer-encoding: chunked} |  | "}},
		{name: "interim responses keep the pending request", response: true, methods: []string{"HEAD", "GET"},
			raw: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n" +
				"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc",
			want: []string{"HTTP/1.1 100 Continue {} |  | ", "HTTP/1.1 103 Early Hints {link: </a>} |  | ", "HTTP/1.1 200 OK {content-length: 3} |  | ",
				"HTTP/1.1 100 Continue {} |  | ", "HTTP/1.1 200 OK {content-length: 3} | abc | "}},
		{name: "switching protocols becomes a tunnel", response: true,
			raw:    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x02hiHTTP/1.1 200 OK\r\n",
			want:   []string{"HTTP/1.1 101 Switching Protocols {upgrade: websocket, connection: Upgrade} |  | "},
			tunnel: "\x81\x02hiHTTP/1.1 200 OK\r\n"},
		{name: "2xx to CONNECT becomes a tunnel", response: true, methods: []string{"CONNECT"},
			raw:    "HTTP/1.1 200 Connection Established\r\nContent-Length: 10\r\n\r\n\x16\x03\x01",
			want:   []string{"HTTP/1.1 200 Connection Established {content-length: 10} |  | "},
			tunnel: "\x16\x03\x01"},
		{name: "refused CONNECT is an ordinary response", response: true, methods: []string{"CONNECT", "GET"},
			raw:  "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 2\r\n\r\nnoHTTP/1.1 204 No Content\r\n\r\n",
			want: []string{"HTTP/1.1 407 Proxy Authentication Required {content-length: 2} | no | ", "HTTP/1.1 204 No Content {} |  | "}},
		{name: "chunked with trailer", response: true,
			raw:  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;x=y\r\na\r\n10\r\n0123456789abcdef\r\n0\r\nChecksum: z\r\n\r\n",
			want: []string{"HTTP/1.1 200 OK {transfer-encoding: chunked} | a0123456789abcdef | {checksum: z}"}},
		{name: "http/1.0 until close", response: true,
			raw:  "HTTP/1.0 200 OK\r\n\r\nall of this\r\n\r\nHTTP/1.1 200 OK\r\n",
			want: []string{"HTTP/1.0 200 OK {} | all of this\r\n\r\nHTTP/1.1 200 OK\r\n | "}},
		{name: "until close needs End", response: true, noEnd: true,
			raw:  "HTTP/1.1 200 OK\r\n\r\nabc",
			want: []string{"HTTP/1.1 200 OK {} | abc | "}, partial: true},
		{name: "empty reason phrase", response: true,
			raw:  "HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\nHTTP/1.1 204\r\n\r\n",
			want: []string{"HTTP/1.1 200  {content-length: 0} |  | ", "HTTP/1.1 204  {} |  | "}},
		{name: "unknown status with body", response: true,
			raw:  "HTTP/1.1 299 Whatever It Is\r\nContent-Length: 1\r\n\r\nx",
			want: []string{"HTTP/1.1 299 Whatever It Is {content-length: 1} | x | "}},
		{name: "response close discards the rest", response: true,
			raw:  "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nxHTTP/1.1 200 OK\r\n\r\n",
			want: []string{"HTTP/1.1 200 OK {connection: close, content-length: 1} | x | "}},
		{name: "interim close ignored", response: true,
			raw:  "HTTP/1.1 100 Continue\r\nConnection: close\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",
			want: []string{"HTTP/1.1 100 Continue {connection: close} |  | ", "HTTP/1.1 200 OK {content-length: 1} | x | "}},
		{name: "no host needed", response: true,
			raw:  "HTTP/1.1 200 OK\r\nHost: a\r\nHost: b\r\nContent-Length: 0\r\n\r\n",
			want: []string{"HTTP/1.1 200 OK {host: a, host: b, content-length: 0} |  | "}},
		{name: "ambiguous response", response: true,
			raw:    "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
			status: 502, sentinel: ErrAmbiguousLength},
		{name: "unknown coding in response", response: true,
			raw:    "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabc",
			status: 502, sentinel: ErrBadTransferEncoding},
		{name: "two-digit status", response: true, raw: "HTTP/1.1 20 OK\r\n\r\n", status: 502, sentinel: ErrMalformed},
		{name: "status 099", response: true, raw: "HTTP/1.1 099 OK\r\n\r\n", status: 502, sentinel: ErrMalformed},
		{name: "four-digit status", response: true, raw: "HTTP/1.1 2000 OK\r\n\r\n", status: 502, sentinel: ErrMalformed},
		{name: "response version", response: true, raw: "HTTP/2.0 200 OK\r\n\r\n", status: 502, sentinel: ErrUnsupportedVersion},
		{name: "short status line", response: true, raw: "HTTP/1.1\r\n\r\n", status: 502, sentinel: ErrMalformed},
		{name: "not a status line", response: true, raw: "SSH-2.0-OpenSSH\r\n\r\n", status: 502, sentinel: ErrMalformed},
		{name: "status line limit", response: true, opts: Options{MaxLineSize: 10}, raw: "HTTP/1.1 200 OK\r\n\r\n",
			status: 502, sentinel: ErrLineTooLong},
		{name: "unfinished chunked response", response: true,
			raw:  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
			want: []string{"HTTP/1.1 200 OK {transfer-encoding: chunked} | ab | "}, partial: true,
			status: 502, sentinel: ErrUnexpectedEnd},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { runFramingCase(t, c) })
	}
}

// feed decodes s with d and returns the events as strings.
func feed(t *testing.T, d *Decoder, s string) []string {
	t.Helper()
	var out []string
	if err := d.Decode(event.FromString(s), func(e event.Event) { out = append(out, e.String()) }); err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return out
}

func TestDecoderState(t *testing.T) {
	d := NewRequestDecoder(Options{})
	if d.InHead() || d.InMessage() || d.Closing() || d.Method() != "" {
		t.Fatal("fresh decoder reports state")
	}
	feed(t, d, "\r\n\r")
	if d.InHead() {
		t.Fatal("empty lines before a request line count as a head")
	}
	feed(t, d, "\nHEAD / HTTP/1.1\r\nHost: x\r\n")
	if !d.InHead() || d.InMessage() {
		t.Fatal("partial head not reported")
	}
	if got := feed(t, d, "\r\n"); len(got) != 2 {
		t.Fatalf("got events %q", got)
	}
	if d.InHead() || d.InMessage() || d.Closing() || d.Method() != "HEAD" {
		t.Fatalf("after HEAD: inHead=%v inMessage=%v closing=%v method=%q", d.InHead(), d.InMessage(), d.Closing(), d.Method())
	}
	feed(t, d, "POST /p HTTP/1.0\r\nContent-Length: 4\r\n\r\nab")
	if !d.InMessage() || d.InHead() || !d.Closing() || d.Method() != "POST" {
		t.Fatal("in a body: wrong state")
	}
	if got := feed(t, d, "cdGET / HTTP/1.1\r\n"); len(got) != 2 || got[1] != "MessageEnd" {
		t.Fatalf("got events %q", got)
	}
	if d.InHead() || d.InMessage() || d.Offset() != 91 {
		t.Fatalf("after close: inHead=%v inMessage=%v offset=%d", d.InHead(), d.InMessage(), d.Offset())
	}
	if err := d.End(nil); err != nil {
		t.Fatal(err)
	}
	if err := d.Decode(event.FromString("x"), nil); !errors.Is(err, ErrEnded) {
		t.Fatalf("Decode after End: %v", err)
	}
}

func TestDecoderTunnel(t *testing.T) {
	d := NewRequestDecoder(Options{})
	feed(t, d, "CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n")
	if d.Method() != "CONNECT" || !d.Tunnel() {
		t.Fatal("Tunnel refused between messages")
	}
	var got []event.Event
	if err := d.Decode(event.FromString("\x16\x03\x01 any bytes\r\n\r\n"), func(e event.Event) { got = append(got, e) }); err != nil {
		t.Fatal(err)
	}
	if b, ok := got[0].(*event.Data); len(got) != 1 || !ok || b.String() != "\x16\x03\x01 any bytes\r\n\r\n" {
		t.Fatalf("tunnel gave %v", got)
	}
	if err := d.End(func(event.Event) { t.Fatal("End emitted in a tunnel") }); err != nil {
		t.Fatal(err)
	}

	d = NewRequestDecoder(Options{})
	feed(t, d, "GET")
	if d.Tunnel() {
		t.Fatal("Tunnel accepted inside a head")
	}
}

func TestSyntaxErrorText(t *testing.T) {
	d := NewRequestDecoder(Options{})
	err := d.Decode(event.FromString("GET / HTTP/1.1\r\nHost : x\r\n\r\n"), func(event.Event) {})
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("got %v", err)
	}
	if got, want := err.Error(), "http1: whitespace before colon in header field at byte 20"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
	if se.Offset != 20 || se.Status != 400 || !errors.Is(err, ErrMalformed) {
		t.Fatalf("got %+v", se)
	}
	if d.Err() != err || d.End(nil) != err {
		t.Fatal("error not sticky")
	}
}

func TestBodySharesInput(t *testing.T) {
	raw := []byte("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
	d := NewRequestDecoder(Options{})
	var body *event.Data
	err := d.Decode(event.FromBytes(raw), func(e event.Event) {
		if b, ok := e.(*event.Data); ok {
			body = b
		}
	})
	if err != nil || body == nil {
		t.Fatalf("err=%v body=%v", err, body)
	}
	raw[len(raw)-1] = '!'
	if body.String() != "hell!" {
		t.Fatalf("body %q does not share the input's bytes", body.String())
	}
}

func TestHeadAllocations(t *testing.T) {
	raw := event.FromString(benchRequest)
	d := NewRequestDecoder(Options{})
	emit := func(event.Event) {}
	in := new(event.Data)
	n := testing.AllocsPerRun(200, func() {
		in.PushData(raw)
		if err := d.Decode(in, emit); err != nil {
			t.Fatal(err)
		}
	})
	if n > 2 {
		t.Fatalf("%v allocations per request head, want at most 2", n)
	}
}
