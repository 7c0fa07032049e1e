package http2

import (
	"strconv"
	"strings"

	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/event"
	"golang.org/x/net/http/httpguts"
	"golang.org/x/net/http2/hpack"
)

// Protocol is the "protocol" field of the heads of requests that came over
// HTTP/2.
const Protocol = "HTTP/2"

// requestBlock is what a request's stream is given by the connection, in
// one allocation: its head (with room for a few header fields) and its
// MessageStart, MessageEnd and SessionEnd. It holds nothing of the
// connection, so a head a script keeps keeps only this.
type requestBlock struct {
	head  http1.RequestHead
	start event.MessageStart
	end   event.MessageEnd
	fin   event.SessionEnd
	hs    [8]http1.Header
}

// The usual schemes, boxed once for the heads' "scheme" field.
var (
	schemeHTTP  any = "http"
	schemeHTTPS any = "https"
)

// boxScheme returns scheme as an interface value, without allocating for
// the usual ones.
func boxScheme(scheme string) any {
	switch scheme {
	case "http":
		return schemeHTTP
	case "https":
		return schemeHTTPS
	}
	return scheme
}

// requestHeadOf checks a request's decoded header list (RFC 9113 section
// 8.3.1) and makes in b the head scripts see, its path checked and shown as
// http1.CheckTarget does: an *http1.RequestHead whose protocol is "HTTP/2",
// with the :authority as its first field, "host", and the fields "scheme"
// and "authority" (boxed by box, which may reuse a value). It returns the
// content-length (-1 when none) and false for a malformed request.
func requestHeadOf(fields []hpack.HeaderField, b *requestBlock, box func(string) any) (*http1.RequestHead, int64, bool) {
	var method, scheme, authority, path string
	var seen [4]bool
	regular := false
	clen := int64(-1)
	var cookies []string
	hs := http1.Headers(b.hs[:1])
	if len(fields)+1 > len(b.hs) {
		hs = make(http1.Headers, 1, len(fields)+1)
	}
	for _, f := range fields {
		if f.IsPseudo() {
			if regular {
				return nil, 0, false
			}
			var k int
			var p *string
			switch f.Name {
			case ":method":
				k, p = 0, &method
			case ":scheme":
				k, p = 1, &scheme
			case ":authority":
				k, p = 2, &authority
			case ":path":
				k, p = 3, &path
			default:
				return nil, 0, false
			}
			if seen[k] {
				return nil, 0, false
			}
			seen[k], *p = true, f.Value
			continue
		}
		regular = true
		if !validField(f) {
			return nil, 0, false
		}
		switch f.Name {
		case "te":
			if f.Value != "trailers" {
				return nil, 0, false
			}
		case "content-length":
			n, err := strconv.ParseInt(f.Value, 10, 64)
			if err != nil || n < 0 || clen >= 0 && n != clen {
				return nil, 0, false
			}
			clen = n
			continue
		case "cookie":
			cookies = append(cookies, f.Value)
			continue
		case "host":
			if seen[2] {
				continue // :authority wins
			}
			authority = f.Value
			continue
		}
		hs = append(hs, http1.Header{Name: f.Name, Value: f.Value})
	}
	if method == "" || !httpguts.ValidHeaderFieldName(method) {
		return nil, 0, false
	}
	if method == "CONNECT" {
		if seen[1] || seen[3] || authority == "" {
			return nil, 0, false
		}
		path = authority
	} else if !seen[1] || path == "" || scheme == "" {
		return nil, 0, false
	}
	// the path as HTTP/1 requests show it, so that a rule on it cannot be
	// bypassed by spelling it differently over HTTP/2
	path, host, err := http1.CheckTarget(method, path)
	if err != nil || host != "" {
		return nil, 0, false
	}
	if authority == "" {
		hs = hs[1:]
	} else {
		hs[0] = http1.Header{Name: "host", Value: authority}
	}
	if len(cookies) > 0 {
		hs = append(hs, http1.Header{Name: "cookie", Value: strings.Join(cookies, "; ")})
	}
	b.head = http1.RequestHead{
		Method: method, Path: path, Protocol: Protocol, Headers: hs,
		Extra: event.Fields{"scheme": boxScheme(scheme), "authority": box(authority)},
	}
	return &b.head, clen, true
}

// trailersOf checks a trailer section: no pseudo-header fields.
func trailersOf(fields []hpack.HeaderField) (http1.Headers, bool) {
	hs := make(http1.Headers, 0, len(fields))
	for _, f := range fields {
		if f.IsPseudo() || !validField(f) {
			return nil, false
		}
		hs = append(hs, http1.Header{Name: f.Name, Value: f.Value})
	}
	return hs, true
}

// validField reports whether a regular field is allowed in a request:
// a lower-case token name, a value without CR, LF or NUL, and not one of the
// connection-specific fields.
func validField(f hpack.HeaderField) bool {
	if !httpguts.ValidHeaderFieldName(f.Name) || strings.ToLower(f.Name) != f.Name {
		return false
	}
	if !httpguts.ValidHeaderFieldValue(f.Value) {
		return false
	}
	return !connectionHeader(f.Name)
}
