package http2

import (
	"strconv"
	"strings"

	"github.com/sluice-go/sluice/codec/http1"
	"golang.org/x/net/http/httpguts"
	"golang.org/x/net/http2/hpack"
)

// requestFields are the header fields of a request's HEADERS frame, made
// from any request head (read as encodeHttpRequest reads one): the pseudo
// fields from the method, the path, the head's "scheme" (else scheme) and
// its "authority" (else its Host field, else target), then its fields less
// those HTTP/2 forbids (RFC 9113 section 8.2.2: the connection-specific
// ones and those the Connection field names; TE only as "trailers") and
// the framing ones. It fails as http1.RequestHeadOf does.
func requestFields(head any, scheme, target string) ([]hpack.HeaderField, error) {
	h, err := http1.RequestHeadOf(head)
	if err != nil {
		return nil, err
	}
	method, path := h.Method, h.Path
	if method == "" {
		method = "GET"
	}
	if path == "" {
		path = "/"
	}
	authority := ""
	if s, ok := h.Extra["authority"].(string); ok {
		authority = s
	}
	if s, ok := h.Extra["scheme"].(string); ok && s != "" {
		scheme = s
	}
	var named []string // the fields the Connection field names
	for _, f := range h.Headers {
		name := strings.ToLower(f.Name)
		switch {
		case name == "host" && authority == "":
			authority = f.Value
		case name == "connection":
			for _, t := range strings.Split(f.Value, ",") {
				named = append(named, strings.ToLower(strings.TrimSpace(t)))
			}
		}
	}
	if authority == "" {
		authority = target
	}
	fields := make([]hpack.HeaderField, 0, 4+len(h.Headers))
	fields = append(fields, hpack.HeaderField{Name: ":method", Value: method})
	if method == "CONNECT" {
		fields = append(fields, hpack.HeaderField{Name: ":authority", Value: path})
	} else {
		fields = append(fields,
			hpack.HeaderField{Name: ":scheme", Value: scheme},
			hpack.HeaderField{Name: ":authority", Value: authority},
			hpack.HeaderField{Name: ":path", Value: path})
	}
	for _, f := range h.Headers {
		name := strings.ToLower(f.Name)
		switch {
		case name == "host" || name == "content-length" || connectionHeader(name) || !validOut(name, f.Value):
			continue
		case name == "te":
			if !httpguts.HeaderValuesContainsToken([]string{f.Value}, "trailers") {
				continue
			}
			fields = append(fields, hpack.HeaderField{Name: "te", Value: "trailers"})
			continue
		}
		if containsName(named, name) {
			continue
		}
		fields = append(fields, hpack.HeaderField{Name: name, Value: f.Value})
	}
	return fields, nil
}

func containsName(names []string, name string) bool {
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}

// responseHeadOf checks an answer's decoded header list (RFC 9113 section
// 8.3.2) and makes the head scripts see: an *http1.ResponseHead whose
// protocol is "HTTP/2", less the content-length field. It returns false
// for a malformed answer.
func responseHeadOf(fields []hpack.HeaderField) (*http1.ResponseHead, bool) {
	status := -1
	regular := false
	hs := make(http1.Headers, 0, len(fields))
	for _, f := range fields {
		if f.IsPseudo() {
			if regular || f.Name != ":status" || status >= 0 {
				return nil, false
			}
			n, err := strconv.Atoi(f.Value)
			if err != nil || len(f.Value) != 3 || n < 100 {
				return nil, false
			}
			status = n
			continue
		}
		regular = true
		if !validField(f) {
			return nil, false
		}
		if f.Name == "content-length" {
			continue
		}
		hs = append(hs, http1.Header{Name: f.Name, Value: f.Value})
	}
	if status < 0 {
		return nil, false
	}
	return &http1.ResponseHead{Protocol: Protocol, Status: status, StatusText: http1.StatusText(status), Headers: hs}, true
}
