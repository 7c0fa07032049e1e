package http1

import (
	"strconv"
	"strings"

	"github.com/sluice-go/sluice/event"
)

// ConnMode says whether the connection may carry another message after the
// one whose head holds it. The decoders set it from the protocol and the
// Connection fields, which they take out of the headers; the encoders send
// "connection: close" for ConnClose.
type ConnMode uint8

// The connection modes of a head.
const (
	// ConnDefault: decided by the protocol and the head's Connection fields
	// (a head built by hand).
	ConnDefault ConnMode = iota
	// ConnKeepAlive: the connection stays open after the message.
	ConnKeepAlive
	// ConnClose: the connection closes after the message.
	ConnClose
)

// Header is one header field. The decoder gives Name in lower case; Headers
// methods compare names without regard to ASCII case, so a Header built by
// hand may use any case.
type Header struct {
	Name  string // the field name; lower case when decoded
	Value string // the field value, without surrounding whitespace when decoded
}

// Headers is an ordered list of header fields. Order and repeated names are
// preserved as received. The zero value is an empty list. Lookups compare
// names ASCII-case-insensitively. A Headers value is not safe for concurrent
// modification.
type Headers []Header

// Get returns the value of the first field named name, or "".
func (h Headers) Get(name string) string {
	for i := range h {
		if equalFold(h[i].Name, name) {
			return h[i].Value
		}
	}
	return ""
}

// Lookup returns the value of the first field named name and whether there
// is one.
func (h Headers) Lookup(name string) (string, bool) {
	for i := range h {
		if equalFold(h[i].Name, name) {
			return h[i].Value, true
		}
	}
	return "", false
}

// Values returns the values of every field named name, in order, or nil.
func (h Headers) Values(name string) []string {
	var vs []string
	for i := range h {
		if equalFold(h[i].Name, name) {
			vs = append(vs, h[i].Value)
		}
	}
	return vs
}

// Has reports whether a field named name is present.
func (h Headers) Has(name string) bool {
	for i := range h {
		if equalFold(h[i].Name, name) {
			return true
		}
	}
	return false
}

// Add appends a field; name is stored in lower case.
func (h *Headers) Add(name, value string) {
	*h = append(*h, Header{Name: strings.ToLower(name), Value: value})
}

// Set replaces the value of the first field named name and removes any later
// fields of that name; when there is none it appends one. The name is stored
// in lower case.
func (h *Headers) Set(name, value string) {
	l := *h
	for i := range l {
		if equalFold(l[i].Name, name) {
			l[i] = Header{Name: strings.ToLower(name), Value: value}
			rest := l[i+1:].delLen(name)
			*h = l[:i+1+len(rest)]
			return
		}
	}
	h.Add(name, value)
}

// Del removes every field named name, keeping the others in order.
func (h *Headers) Del(name string) {
	*h = h.delLen(name)
}

// delLen removes the fields named name in place and returns the shortened
// slice.
func (h Headers) delLen(name string) Headers {
	j := 0
	for i := range h {
		if !equalFold(h[i].Name, name) {
			h[j] = h[i]
			j++
		}
	}
	clear(h[j:])
	return h[:j]
}

// Clone returns a copy of h that shares no storage with it.
func (h Headers) Clone() Headers {
	if h == nil {
		return nil
	}
	return append(Headers(make([]Header, 0, len(h))), h...)
}

// String formats the fields as "{name: value, ...}", for logs and dumps.
func (h Headers) String() string {
	var b strings.Builder
	h.writeTo(&b)
	return b.String()
}

func (h Headers) writeTo(b *strings.Builder) {
	b.WriteByte('{')
	for i, f := range h {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f.Name)
		b.WriteString(": ")
		b.WriteString(f.Value)
	}
	b.WriteByte('}')
}

// RequestHead is the head of an HTTP/1.x request: the request line and the
// header fields. A decoded head's strings are substrings of one copy of the
// received head; the head is owned by whoever holds the MessageStart event
// and may be modified by it.
type RequestHead struct {
	Method   string  // "GET", "POST", …
	Path     string  // the request target as sent: "/a?b=1", "http://host/a", "host:443", "*"
	Protocol string  // "HTTP/1.1" or "HTTP/1.0"
	Headers  Headers // the header fields, in order, less the framing fields when decoded
	// Connection says whether the connection stays open after the message;
	// see ConnMode.
	Connection ConnMode
	// TLS says the request came over a TLS connection: decodeHttpRequest
	// sets it from its connection (pipeline.Context.TLS). Its Scheme is
	// "https" then.
	TLS bool
	// Extra holds the fields a script or Go code added to the head under
	// other names; nil when there are none. Encoders ignore them. An
	// HTTP/2 request's "scheme" and "authority" are kept here.
	Extra event.Fields
}

// The schemes Field returns, boxed once.
var (
	schemeHTTP  any = "http"
	schemeHTTPS any = "https"
)

// Field returns the field called name, as scripts see it: "method",
// "path", "protocol", "headers" (Headers), "scheme" and "authority"
// (Scheme and Authority), or one of Extra. It makes *RequestHead an
// event.Head.
func (h *RequestHead) Field(name string) (any, bool) {
	if h == nil {
		return nil, false
	}
	switch name {
	case "method":
		return h.Method, true
	case "path":
		return h.Path, true
	case "protocol":
		return h.Protocol, true
	case "headers":
		return h.Headers, true
	case "scheme":
		if v, ok := h.Extra[name]; ok {
			return v, true
		}
		switch s := h.Scheme(); s {
		case "http":
			return schemeHTTP, true
		case "https":
			return schemeHTTPS, true
		default:
			return s, true
		}
	case "authority":
		if v, ok := h.Extra[name]; ok {
			return v, true
		}
		return h.Authority(), true
	}
	v, ok := h.Extra[name]
	return v, ok
}

// Scheme returns the request's scheme, as an HTTP/2 request's :scheme
// gives it: the head's "scheme" field (Extra, what an HTTP/2 request
// carries or a script set), else an absolute-form target's ("http" of
// "http://host/a", in a head made by Go code or a script: a decoded
// head's target is shown in origin form), else "https" when the request
// came over TLS and "http" otherwise. It is computed when asked: decoding
// stores nothing for it.
func (h *RequestHead) Scheme() string {
	if s, ok := h.Extra["scheme"].(string); ok {
		return s
	}
	if s, _, ok := absoluteForm(h.Path); ok {
		return s
	}
	if h.TLS {
		return "https"
	}
	return "http"
}

// Authority returns the request's authority, as an HTTP/2 request's
// :authority gives it: the head's "authority" field (Extra), else an
// absolute-form target's ("host:8080" of "http://host:8080/a"), else a
// CONNECT's target, else the Host field ("" when none; a decoded
// absolute-form target's authority is its Host).
func (h *RequestHead) Authority() string {
	if s, ok := h.Extra["authority"].(string); ok {
		return s
	}
	if _, a, ok := absoluteForm(h.Path); ok {
		return a
	}
	if h.Method == "CONNECT" {
		return h.Path
	}
	return h.Headers.Get("host")
}

// absoluteForm splits an absolute-form request target
// ("scheme://authority/path") into its scheme and authority (less any
// userinfo), and reports whether target is one.
func absoluteForm(target string) (scheme, authority string, ok bool) {
	if target == "" || target[0] == '/' {
		return "", "", false
	}
	i := strings.Index(target, "://")
	if i <= 0 {
		return "", "", false
	}
	scheme, rest := target[:i], target[i+3:]
	if j := strings.IndexAny(rest, "/?#"); j >= 0 {
		rest = rest[:j]
	}
	if j := strings.LastIndexByte(rest, '@'); j >= 0 {
		rest = rest[j+1:]
	}
	return scheme, rest, true
}

// String formats the head on one line: "GET /a HTTP/1.1 {host: x}".
func (h RequestHead) String() string {
	var b strings.Builder
	b.WriteString(h.Method)
	b.WriteByte(' ')
	b.WriteString(h.Path)
	b.WriteByte(' ')
	b.WriteString(h.Protocol)
	b.WriteByte(' ')
	h.Headers.writeTo(&b)
	return b.String()
}

// KeepAlive reports whether the connection may carry another message after
// this request: as Connection says, and for ConnDefault true for HTTP/1.1
// unless a Connection field says "close", and for HTTP/1.0 only when a
// Connection field says "keep-alive" (and none says "close").
func (h RequestHead) KeepAlive() bool { return keepAlive(h.Connection, h.Protocol, h.Headers) }

// ResponseHead is the head of an HTTP/1.x response: the status line and the
// header fields. Ownership is as for RequestHead.
type ResponseHead struct {
	Protocol   string  // "HTTP/1.1" or "HTTP/1.0"
	Status     int     // 100 to 999
	StatusText string  // the reason phrase, possibly empty
	Headers    Headers // the header fields, in order, less the framing fields when decoded
	// Connection says whether the connection stays open after the message;
	// see ConnMode.
	Connection ConnMode
	// Extra holds the fields a script or Go code added to the head under
	// other names; nil when there are none. Encoders ignore them.
	Extra event.Fields
}

// Field returns the field called name, as scripts see it: "protocol",
// "status" (int), "statusText", "headers" (Headers), or one of Extra. It
// makes *ResponseHead an event.Head.
func (h *ResponseHead) Field(name string) (any, bool) {
	if h == nil {
		return nil, false
	}
	switch name {
	case "protocol":
		return h.Protocol, true
	case "status":
		return h.Status, true
	case "statusText":
		return h.StatusText, true
	case "headers":
		return h.Headers, true
	}
	v, ok := h.Extra[name]
	return v, ok
}

// String formats the head on one line: "HTTP/1.1 200 OK {content-length: 2}".
func (h ResponseHead) String() string {
	var b strings.Builder
	b.WriteString(h.Protocol)
	b.WriteByte(' ')
	b.WriteString(strconv.Itoa(h.Status))
	b.WriteByte(' ')
	b.WriteString(h.StatusText)
	b.WriteByte(' ')
	h.Headers.writeTo(&b)
	return b.String()
}

// KeepAlive reports whether the connection may carry another message after
// this response, by the same rules as RequestHead.KeepAlive.
func (h ResponseHead) KeepAlive() bool { return keepAlive(h.Connection, h.Protocol, h.Headers) }

// keepAlive applies mode, or for ConnDefault the persistence rules of RFC
// 9112 section 9.3.
func keepAlive(mode ConnMode, protocol string, h Headers) bool {
	switch mode {
	case ConnKeepAlive:
		return true
	case ConnClose:
		return false
	}
	closeTok, keepTok := false, false
	for i := range h {
		if equalFold(h[i].Name, "connection") {
			forEachToken(h[i].Value, func(t string) {
				switch {
				case equalFold(t, "close"):
					closeTok = true
				case equalFold(t, "keep-alive"):
					keepTok = true
				}
			})
		}
	}
	if closeTok {
		return false
	}
	if protocol == "HTTP/1.0" {
		return keepTok
	}
	return true
}

// forEachToken calls f with each non-empty element of a comma-separated
// list, trimmed of optional whitespace.
func forEachToken(v string, f func(string)) {
	for v != "" {
		var t string
		if i := strings.IndexByte(v, ','); i >= 0 {
			t, v = v[:i], v[i+1:]
		} else {
			t, v = v, ""
		}
		t = strings.Trim(t, " \t")
		if t != "" {
			f(t)
		}
	}
}

// equalFold reports whether a and b are equal ignoring ASCII case.
func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		ca, cb := a[i], b[i]
		if ca == cb {
			continue
		}
		if 'A' <= ca && ca <= 'Z' {
			ca += 'a' - 'A'
		}
		if 'A' <= cb && cb <= 'Z' {
			cb += 'a' - 'A'
		}
		if ca != cb {
			return false
		}
	}
	return true
}
