package http1

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"testing"
)

// genMessage builds random valid HTTP/1.x messages, deterministically from
// its source, for the differential tests.
type genMessage struct{ r *rand.Rand }

func (g genMessage) pick(s ...string) string { return s[g.r.IntN(len(s))] }

func (g genMessage) token(alphabet string, n int) string {
	var b strings.Builder
	for range n {
		b.WriteByte(alphabet[g.r.IntN(len(alphabet))])
	}
	return b.String()
}

// randomCase returns s with the case of each letter chosen at random.
func (g genMessage) randomCase(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' && g.r.IntN(2) == 0 {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func (g genMessage) ows() string { return g.pick("", "", " ", "  ", "\t", " \t") }

// fields returns random extra fields (never framing, Host or Connection)
// with their raw encoding.
func (g genMessage) fields() ([][2]string, string) {
	names := []string{"accept", "user-agent", "x-request-id", "cookie", "x-forwarded-for", "cache-control", "x-a", "x-b", "if-none-match", "content-type"}
	var fs [][2]string
	var raw strings.Builder
	for range g.r.IntN(14) {
		name := g.pick(names...)
		if g.r.IntN(5) == 0 {
			name = "x-" + g.token("abcdefghijklmnopqrstuvwxyz0123456789-_.!#$%&'*+^`|~", 1+g.r.IntN(12))
		}
		value := g.token("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,;=/\"()<>@[]{}?:\\\t\x80\xff", g.r.IntN(40))
		value = strings.Trim(value, " \t")
		fs = append(fs, [2]string{name, value})
		fmt.Fprintf(&raw, "%s:%s%s%s\r\n", g.randomCase(name), g.ows(), value, g.ows())
	}
	return fs, raw.String()
}

// body returns a random body and its framing fields and encoded bytes.
// chunked is false when the body is framed by Content-Length.
func (g genMessage) body(allowChunked bool) (body, fields, encoded string, chunked bool) {
	body = g.token("abcdefghijklmnopqrstuvwxyz\r\n\x00\xff ", g.pickInt(0, 1, 5, 100, 3000))
	if allowChunked && g.r.IntN(2) == 0 {
		var enc strings.Builder
		rest := body
		for rest != "" {
			n := 1 + g.r.IntN(len(rest))
			fmt.Fprintf(&enc, "%s%s\r\n%s\r\n", g.randomCase(strconv.FormatInt(int64(n), 16)), g.pick("", ";a=b", ";x", ";q=\"1 2\""), rest[:n])
			rest = rest[n:]
		}
		enc.WriteString("0\r\n")
		if g.r.IntN(3) == 0 {
			enc.WriteString("X-Trailer: t\r\n")
		}
		enc.WriteString("\r\n")
		return body, "Transfer-Encoding:" + g.ows() + g.randomCase("chunked") + "\r\n", enc.String(), true
	}
	if body == "" && g.r.IntN(2) == 0 {
		return "", "", "", false
	}
	return body, "Content-Length:" + g.ows() + strconv.Itoa(len(body)) + "\r\n", body, false
}

func (g genMessage) pickInt(s ...int) int { return s[g.r.IntN(len(s))] }

// request returns one random keep-alive request and what it must decode to.
func (g genMessage) request() (raw string, want RequestHead, body string) {
	method := g.pick("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "PURGE", "M-SEARCH")
	path := g.pick("/", "/a/b", "/search?q=x+y&r=%20", "/%E2%82%AC/x;p=1", "http://example.com:8080/x?y", "/"+g.token("abcxyz019-._~!$&'()*+,;=:@/?", g.r.IntN(60)))
	for p, _, _ := strings.Cut(path, "?"); hasDotSegment([]byte(p)); p, _, _ = strings.Cut(path, "?") {
		// net/http keeps dot segments; the decoder resolves them (see the
		// corpus and TestTargetNormalization), so they are not compared here.
		path = "/" + g.token("abcxyz019-_~!$&'()*+,;=:@/?", g.r.IntN(60))
	}
	proto := g.pick("HTTP/1.1", "HTTP/1.1", "HTTP/1.0")
	var raw1 strings.Builder
	fmt.Fprintf(&raw1, "%s %s %s\r\n", method, path, proto)
	want = RequestHead{Method: method, Path: path, Protocol: proto}
	host := g.pick("example.com", "a.b:81", "[::1]:8080")
	var fields [][2]string
	if proto == "HTTP/1.1" || g.r.IntN(2) == 0 {
		fields = append(fields, [2]string{"host", host})
	}
	if proto == "HTTP/1.0" {
		fields = append(fields, [2]string{"connection", g.pick("keep-alive", "Keep-Alive")})
	}
	for _, f := range fields {
		fmt.Fprintf(&raw1, "%s: %s\r\n", g.randomCase(f[0]), f[1])
	}
	extra, extraRaw := g.fields()
	raw1.WriteString(extraRaw)
	fields = append(fields, extra...)
	body, framing, encoded, _ := g.body(proto == "HTTP/1.1")
	raw1.WriteString(framing)
	raw1.WriteString("\r\n")
	raw1.WriteString(encoded)
	for _, f := range fields {
		want.Headers = append(want.Headers, Header{f[0], f[1]})
	}
	return raw1.String(), want, body
}

// compareHeaders checks that h has, for every name of want (framing fields
// aside), the same values in the same order. keepLength is set for an answer
// to HEAD and a 304, whose Content-Length the decoder keeps.
func compareHeaders(t *testing.T, what string, h Headers, want http.Header, keepLength bool) {
	t.Helper()
	seen := map[string]bool{}
	for _, f := range h {
		key := textproto.CanonicalMIMEHeaderKey(f.Name)
		if keepLength && key == "Content-Length" {
			seen[key] = true
			continue
		}
		if framingOnly(&f) {
			t.Fatalf("%s: framing field %s: %s left in the head", what, f.Name, f.Value)
		}
		if seen[key] || key == "Transfer-Encoding" || key == "Host" {
			continue
		}
		seen[key] = true
		got := h.Values(f.Name)
		if fmt.Sprint(got) != fmt.Sprint(want[key]) {
			t.Fatalf("%s: %s = %q, net/http has %q", what, key, got, want[key])
		}
	}
	for key := range want {
		if isFramingField(key) && !seen[key] {
			continue // the decoder takes framing fields out of the head
		}
		if !seen[key] && key != "Transfer-Encoding" && key != "Host" {
			t.Fatalf("%s: net/http has %s = %q, decoder has none", what, key, want[key])
		}
	}
}

func TestDifferentialRequests(t *testing.T) {
	g := genMessage{rand.New(rand.NewPCG(1, 2))}
	for i := range 2000 {
		var raw strings.Builder
		n := 1 + g.r.IntN(3)
		for range n {
			r, _, _ := g.request()
			raw.WriteString(r)
		}
		stream := raw.String()
		// Ours, fed in two random pieces.
		cut := g.r.IntN(len(stream) + 1)
		res := decodePieces(t, false, Options{}, [][]byte{[]byte(stream[:cut]), []byte(stream[cut:])}, true)
		if res.Err != nil {
			t.Fatalf("case %d: %v\n%q", i, res.Err, stream)
		}
		if len(res.Msgs) != n {
			t.Fatalf("case %d: %d messages, want %d", i, len(res.Msgs), n)
		}
		// net/http's.
		br := bufio.NewReader(strings.NewReader(stream))
		for k := range n {
			req, err := http.ReadRequest(br)
			if err != nil {
				t.Fatalf("case %d: net/http: %v\n%q", i, err, stream)
			}
			body, err := io.ReadAll(req.Body)
			if err != nil {
				t.Fatalf("case %d: net/http body: %v", i, err)
			}
			m := res.Msgs[k]
			what := fmt.Sprintf("case %d message %d", i, k)
			// The decoder shows an absolute-form target in origin form, its
			// authority as Host (RFC 9112 section 3.2.2), as net/http's
			// URL.RequestURI and Host do.
			uri := req.RequestURI
			if strings.HasPrefix(uri, "http://") {
				uri = req.URL.RequestURI()
			}
			if m.Req.Method != req.Method || m.Req.Path != uri || m.Req.Protocol != req.Proto {
				t.Fatalf("%s: %s, net/http has %s %s %s", what, m.Head, req.Method, uri, req.Proto)
			}
			if m.Req.Headers.Get("host") != req.Host {
				t.Fatalf("%s: host %q, net/http has %q", what, m.Req.Headers.Get("host"), req.Host)
			}
			compareHeaders(t, what, m.Req.Headers, req.Header, false)
			if m.Body != string(body) {
				t.Fatalf("%s: body %q, net/http has %q", what, m.Body, body)
			}
			if m.Req.KeepAlive() == req.Close {
				t.Fatalf("%s: keep-alive %v, net/http close %v", what, m.Req.KeepAlive(), req.Close)
			}
			var tail Headers
			if len(req.Trailer) > 0 {
				for key, vs := range req.Trailer {
					for _, v := range vs {
						tail = append(tail, Header{strings.ToLower(key), v})
					}
				}
			}
			if m.Tail != "" || len(tail) > 0 {
				if m.Tail != tail.String() {
					t.Fatalf("%s: trailer %s, net/http has %s", what, m.Tail, tail)
				}
			}
		}
	}
}

func TestDifferentialResponses(t *testing.T) {
	g := genMessage{rand.New(rand.NewPCG(3, 4))}
	for i := range 2000 {
		var raw strings.Builder
		var methods []string // one per final response
		n := 1 + g.r.IntN(4)
		for k := range n {
			status := g.pickInt(200, 200, 201, 204, 206, 301, 304, 404, 500, 299, 100, 103)
			method := g.pick("GET", "GET", "POST", "HEAD")
			if status >= 200 {
				methods = append(methods, method)
			}
			proto := g.pick("HTTP/1.1", "HTTP/1.1", "HTTP/1.0")
			if status < 200 {
				proto = "HTTP/1.1"
			}
			text := g.pick(StatusText(status), "", "Some Reason", "x\t y")
			fmt.Fprintf(&raw, "%s %d %s\r\n", proto, status, text)
			if proto == "HTTP/1.0" {
				raw.WriteString("Connection: keep-alive\r\n")
			}
			_, fields := g.fields()
			raw.WriteString(fields)
			bodiless := status < 200 || status == 204 || status == 304 || method == "HEAD"
			_, framing, encoded, _ := g.body(proto == "HTTP/1.1")
			switch {
			case bodiless:
			case k == n-1 && g.r.IntN(3) == 0:
				framing = "" // the body ends with the stream
				encoded = g.token("abc\r\n", g.r.IntN(50))
			case framing == "":
				framing = "Content-Length: 0\r\n"
			}
			raw.WriteString(framing)
			raw.WriteString("\r\n")
			if !bodiless {
				raw.WriteString(encoded)
			}
		}
		stream := raw.String()
		q := append([]string(nil), methods...)
		opts := Options{RequestMethod: func() string {
			m := q[0]
			q = q[1:]
			return m
		}}
		cut := g.r.IntN(len(stream) + 1)
		res := decodePieces(t, true, opts, [][]byte{[]byte(stream[:cut]), []byte(stream[cut:])}, true)
		if res.Err != nil {
			t.Fatalf("case %d: %v\n%q", i, res.Err, stream)
		}
		if len(res.Msgs) != n {
			t.Fatalf("case %d: %d messages, want %d\n%q", i, len(res.Msgs), n, stream)
		}
		br := bufio.NewReader(strings.NewReader(stream))
		k := 0
		for mi, m := range res.Msgs {
			method := "GET"
			if m.Resp.Status >= 200 {
				method = methods[k]
				k++
			}
			resp, err := http.ReadResponse(br, &http.Request{Method: method})
			if err != nil {
				t.Fatalf("case %d: net/http: %v\n%q", i, err, stream)
			}
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatalf("case %d: net/http body: %v", i, err)
			}
			what := fmt.Sprintf("case %d message %d", i, mi)
			if m.Resp.Status != resp.StatusCode || m.Resp.Protocol != resp.Proto ||
				strings.TrimSpace(strconv.Itoa(m.Resp.Status)+" "+m.Resp.StatusText) != strings.TrimSpace(resp.Status) {
				t.Fatalf("%s: %s, net/http has %s %s", what, m.Head, resp.Proto, resp.Status)
			}
			compareHeaders(t, what, m.Resp.Headers, resp.Header, method == "HEAD" || m.Resp.Status == 304)
			if m.Body != string(body) {
				t.Fatalf("%s: body %q, net/http has %q", what, m.Body, body)
			}
		}
		if _, err := br.Peek(1); err != io.EOF {
			t.Fatalf("case %d: net/http has bytes left after %d messages\n%q", i, len(res.Msgs), stream)
		}
	}
}
