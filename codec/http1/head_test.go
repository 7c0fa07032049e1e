package http1

import (
	"errors"
	"reflect"
	"testing"

	"github.com/sluice-go/sluice/event"
)

func TestHeaders(t *testing.T) {
	h := Headers{{"host", "x"}, {"X-R", "1"}, {"accept", "a"}, {"x-r", "2"}}
	if h.Get("HOST") != "x" || h.Get("x-r") != "1" || h.Get("nope") != "" {
		t.Fatalf("Get: %v", h)
	}
	if v, ok := h.Lookup("Accept"); !ok || v != "a" {
		t.Fatal("Lookup")
	}
	if _, ok := h.Lookup("nope"); ok {
		t.Fatal("Lookup of a missing name")
	}
	if got := h.Values("X-r"); !reflect.DeepEqual(got, []string{"1", "2"}) {
		t.Fatalf("Values: %q", got)
	}
	if h.Values("nope") != nil || !h.Has("ACCEPT") || h.Has("accep") {
		t.Fatal("Values/Has")
	}

	c := h.Clone()
	c.Set("X-R", "3")
	if want := (Headers{{"host", "x"}, {"x-r", "3"}, {"accept", "a"}}); !reflect.DeepEqual(c, want) {
		t.Fatalf("Set: %v", c)
	}
	if h[3].Value != "2" || len(h) != 4 {
		t.Fatal("Clone shares storage")
	}
	c.Set("New", "n")
	c.Add("X-R", "4")
	if want := (Headers{{"host", "x"}, {"x-r", "3"}, {"accept", "a"}, {"new", "n"}, {"x-r", "4"}}); !reflect.DeepEqual(c, want) {
		t.Fatalf("Set/Add: %v", c)
	}
	c.Del("x-R")
	if want := (Headers{{"host", "x"}, {"accept", "a"}, {"new", "n"}}); !reflect.DeepEqual(c, want) {
		t.Fatalf("Del: %v", c)
	}
	if got := c.String(); got != "{host: x, accept: a, new: n}" {
		t.Fatalf("String: %q", got)
	}
	var empty Headers
	empty.Set("a", "b")
	if empty.Clone().String() != "{a: b}" || Headers(nil).Clone() != nil {
		t.Fatal("nil Headers")
	}
}

func TestHeadStrings(t *testing.T) {
	r := RequestHead{Method: "GET", Path: "/a", Protocol: "HTTP/1.1", Headers: Headers{{"host", "x"}}}
	if got := r.String(); got != "GET /a HTTP/1.1 {host: x}" {
		t.Fatalf("request String: %q", got)
	}
	s := &ResponseHead{Protocol: "HTTP/1.0", Status: 404, StatusText: "Not Found"}
	if got := s.String(); got != "HTTP/1.0 404 Not Found {}" {
		t.Fatalf("response String: %q", got)
	}
}

func TestKeepAlive(t *testing.T) {
	cases := []struct {
		proto string
		conn  []string
		want  bool
	}{
		{"HTTP/1.1", nil, true},
		{"HTTP/1.1", []string{"close"}, false},
		{"HTTP/1.1", []string{"Upgrade, Close"}, false},
		{"HTTP/1.1", []string{"keep-alive", "close"}, false},
		{"HTTP/1.1", []string{"closed"}, true},
		{"HTTP/1.0", nil, false},
		{"HTTP/1.0", []string{"Keep-Alive"}, true},
		{"HTTP/1.0", []string{"foo ,keep-alive"}, true},
		{"HTTP/1.0", []string{"keep-alive, close"}, false},
	}
	for _, c := range cases {
		var hs Headers
		for _, v := range c.conn {
			hs.Add("Connection", v)
		}
		if got := (RequestHead{Protocol: c.proto, Headers: hs}).KeepAlive(); got != c.want {
			t.Errorf("%s %q: KeepAlive %v, want %v", c.proto, c.conn, got, c.want)
		}
		if got := (ResponseHead{Protocol: c.proto, Headers: hs}).KeepAlive(); got != c.want {
			t.Errorf("response %s %q: KeepAlive %v, want %v", c.proto, c.conn, got, c.want)
		}
	}
}

func TestRequestHeadOf(t *testing.T) {
	full := &RequestHead{Method: "PUT", Path: "/x", Protocol: "HTTP/1.0", Headers: Headers{{"a", "1"}}}
	if got, err := RequestHeadOf(full); err != nil || got != full {
		t.Fatal("a request head is not returned as is")
	}
	got, err := RequestHeadOf(nil)
	if err != nil || got.String() != "GET / HTTP/1.1 {}" {
		t.Fatalf("nil: %v %v", got, err)
	}
	got, err = RequestHeadOf(RequestHead{Path: "/p", Headers: Headers{{"a", "1"}}})
	if err != nil || got.Path != "/p" || len(got.Headers) != 1 {
		t.Fatalf("value: %v %v", got, err)
	}
	m := map[string]any{
		"method": "DELETE",
		"path":   "/m",
		"headers": map[string]any{
			"X-Num":  float64(3),
			"x-list": []any{"a", int64(2)},
			"Host":   "h",
			"x-nil":  nil,
			"x-bool": true,
		},
		"extra": 1,
	}
	got, err = RequestHeadOf(m)
	if err != nil || got.String() != "DELETE /m HTTP/1.1 {host: h, x-bool: true, x-list: a, x-list: 2, x-num: 3}" {
		t.Fatalf("map: %v %v", got, err)
	}
	got, err = RequestHeadOf(map[string]any{"headers": map[string][]string{"b": {"1", "2"}}})
	if err != nil || got.String() != "GET / HTTP/1.1 {b: 1, b: 2}" {
		t.Fatalf("map of lists: %v %v", got, err)
	}
	got, err = RequestHeadOf(event.Fields{"path": "/f", "headers": map[string]string{"Connection": "close", "content-length": "3", "a": "1"}})
	if err != nil || got.String() != "GET /f HTTP/1.1 {a: 1}" || got.Connection != ConnClose {
		t.Fatalf("fields with framing: %v %v", got, err)
	}
	for _, bad := range []any{
		42,
		"x",
		map[string]any{"method": []int{1}},
		map[string]any{"headers": "x"},
		map[string]any{"headers": map[string]any{"a": struct{}{}}},
		map[string]any{"headers": map[string]any{"a": []any{[]int{1}}}},
	} {
		if _, err := RequestHeadOf(bad); !errors.Is(err, ErrInvalidHead) {
			t.Errorf("RequestHeadOf(%#v): %v, want ErrInvalidHead", bad, err)
		}
	}
}

// A response head fed to encodeHttpRequest is read by name, as Pipy reads
// it: GET / with the response's headers.
func TestPipyRequestHeadOfResponseHead(t *testing.T) {
	rh := &ResponseHead{Protocol: "HTTP/1.1", Status: 404, Headers: Headers{{"x-a", "1"}, {"content-length", "9"}}}
	got, err := RequestHeadOf(rh)
	if err != nil || got.String() != "GET / HTTP/1.1 {x-a: 1}" {
		t.Fatalf("got %v %v", got, err)
	}
	if len(rh.Headers) != 2 {
		t.Fatal("the source head was changed")
	}
}

func TestResponseHeadOf(t *testing.T) {
	full := &ResponseHead{Protocol: "HTTP/1.1", Status: 201, StatusText: "Made"}
	if got, err := ResponseHeadOf(full); err != nil || got != full {
		t.Fatal("a response head is not returned as is")
	}
	cases := []struct {
		in   any
		want string
	}{
		{nil, "HTTP/1.1 200 OK {}"},
		{map[string]any{"status": int64(404)}, "HTTP/1.1 404 Not Found {}"},
		{map[string]any{"status": float64(503), "statusText": "Busy"}, "HTTP/1.1 503 Busy {}"},
		{map[string]any{"status": "302", "headers": map[string]any{"Location": "/x"}}, "HTTP/1.1 302 Found {location: /x}"},
		{map[string]any{"status": 299}, "HTTP/1.1 299  {}"},
		{map[string]any{"statusText": 3}, "HTTP/1.1 200 3 {}"},
		{ResponseHead{Headers: Headers{{"a", "1"}}}, "HTTP/1.1 200 OK {a: 1}"},
		{&ResponseHead{Status: 404}, "HTTP/1.1 404 Not Found {}"},
		{&RequestHead{Method: "POST", Headers: Headers{{"a", "1"}, {"Transfer-Encoding", "chunked"}, {"keep-alive", "5"}}}, "HTTP/1.1 200 OK {a: 1}"},
	}
	for _, c := range cases {
		got, err := ResponseHeadOf(c.in)
		if err != nil || got.String() != c.want {
			t.Errorf("ResponseHeadOf(%#v): %v, %v; want %s", c.in, got, err, c.want)
		}
	}
	for _, bad := range []any{
		"x",
		map[string]any{"status": 1.5},
		map[string]any{"status": "abc"},
		map[string]any{"status": []int{}},
		map[string]any{"statusText": []int{}},
		map[string]any{"status": uint64(1 << 40)},
	} {
		if _, err := ResponseHeadOf(bad); !errors.Is(err, ErrInvalidHead) {
			t.Errorf("ResponseHeadOf(%#v): %v, want ErrInvalidHead", bad, err)
		}
	}
}

func TestWithoutFramingDoesNotWriteShared(t *testing.T) {
	base := Headers{{"content-length", "1"}, {"a", "1"}, {"connection", "upgrade"}}
	got, mode := withoutFraming(base)
	if got.String() != "{a: 1, connection: upgrade}" || mode != ConnDefault {
		t.Fatalf("got %v %v", got, mode)
	}
	if base[0].Name != "content-length" || len(base) != 3 {
		t.Fatal("withoutFraming wrote into the caller's headers")
	}
}

func TestStatusText(t *testing.T) {
	for code, want := range map[int]string{100: "Continue", 200: "OK", 404: "Not Found", 431: "Request Header Fields Too Large", 599: ""} {
		if got := StatusText(code); got != want {
			t.Errorf("StatusText(%d) = %q, want %q", code, got, want)
		}
	}
}

func TestByteClassesMatchTables(t *testing.T) {
	// Every position of a bad byte in blocks of every alignment.
	for n := 0; n <= 20; n++ {
		for pos := -1; pos < n; pos++ {
			for _, bad := range []byte{0, '\r', '\n', 0x1f, 0x7f, ' ', '\t'} {
				b := make([]byte, n)
				for i := range b {
					b[i] = "a\xff~!"[i%4]
				}
				if pos >= 0 {
					b[pos] = bad
				}
				want := -1
				for i, c := range b {
					if !valueOK[c] {
						want = i
						break
					}
				}
				if got := firstBadValueByte(b); got != want {
					t.Fatalf("firstBadValueByte(%q) = %d, want %d", b, got, want)
				}
				want = -1
				for i, c := range b {
					if !targetOK[c] {
						want = i
						break
					}
				}
				if got := firstBadTargetByte(b); got != want {
					t.Fatalf("firstBadTargetByte(%q) = %d, want %d", b, got, want)
				}
			}
		}
	}
}

// TestRequestHeadSchemeAndAuthority: an HTTP/1 head's scheme and authority
// as an HTTP/2 head's :scheme and :authority give them, computed from the
// connection, the target and Host unless set in Extra.
func TestRequestHeadSchemeAndAuthority(t *testing.T) {
	for _, c := range []struct {
		h                 RequestHead
		scheme, authority string
	}{
		{RequestHead{Method: "GET", Path: "/", Headers: Headers{{"Host", "a.example"}}}, "http", "a.example"},
		{RequestHead{Method: "GET", Path: "/", Headers: Headers{{"Host", "a.example"}}, TLS: true}, "https", "a.example"},
		{RequestHead{Method: "GET", Path: "/"}, "http", ""},
		{RequestHead{Method: "GET", Path: "https://u@b.example:81/x?y", Headers: Headers{{"Host", "a.example"}}}, "https", "b.example:81"},
		{RequestHead{Method: "CONNECT", Path: "c.example:443"}, "http", "c.example:443"},
		{RequestHead{Method: "GET", Path: "/", Headers: Headers{{"Host", "a.example"}}, TLS: true,
			Extra: event.Fields{"scheme": "http", "authority": "h2.example"}}, "http", "h2.example"},
	} {
		if s, a := c.h.Scheme(), c.h.Authority(); s != c.scheme || a != c.authority {
			t.Errorf("%v: scheme %q authority %q, want %q %q", c.h, s, a, c.scheme, c.authority)
		}
		if v, ok := c.h.Field("scheme"); !ok || v != c.scheme {
			t.Errorf("%v: Field(scheme) = %v", c.h, v)
		}
		if v, ok := c.h.Field("authority"); !ok || v != c.authority {
			t.Errorf("%v: Field(authority) = %v", c.h, v)
		}
	}
	h := &RequestHead{Method: "GET", Path: "/", TLS: true}
	if n := testing.AllocsPerRun(100, func() { h.Field("scheme") }); n != 0 {
		t.Errorf("Field(scheme) allocates %v times", n)
	}
}
