package http1

import (
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/sluice-go/sluice/event"
)

// RequestOf returns msg's head as a *RequestHead, and whether it is one (a
// decoded request's head is). It spares Go handlers a type assertion at
// every use; RequestHeadOf, by contrast, converts any head (a map, a
// script's object) into a new one.
func RequestOf(msg *event.Message) (*RequestHead, bool) {
	if msg == nil {
		return nil, false
	}
	h, ok := msg.Head.(*RequestHead)
	return h, ok && h != nil
}

// ResponseOf returns msg's head as a *ResponseHead, and whether it is one
// (a decoded response's head is).
func ResponseOf(msg *event.Message) (*ResponseHead, bool) {
	if msg == nil {
		return nil, false
	}
	h, ok := msg.Head.(*ResponseHead)
	return h, ok && h != nil
}

// URL parses the request target, Path, as net/url does for a request line:
// origin form ("/a/b?x=1") gives Path and RawQuery, absolute form
// ("http://host/a") also Scheme and Host, authority form (CONNECT's
// "host:443") only Host, and "*" a Path of "*". A decoded request's target
// is already in origin form with its dot segments resolved (see the package
// doc). It returns an error wrapping ErrBadTarget when Path is none of
// these.
func (h *RequestHead) URL() (*url.URL, error) {
	switch {
	case h.Path == "*":
		return &url.URL{Path: "*"}, nil
	case h.Method == "CONNECT" && h.Path != "" && h.Path[0] != '/':
		return &url.URL{Host: h.Path}, nil
	}
	u, err := url.ParseRequestURI(h.Path)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %v", ErrBadTarget, h.Path, err)
	}
	return u, nil
}

// Query returns the parsed query of the request target: empty when it has
// none or cannot be parsed (malformed pairs are left out, as url.ParseQuery
// does).
func (h *RequestHead) Query() url.Values {
	u, err := h.URL()
	if err != nil {
		return url.Values{}
	}
	q, _ := url.ParseQuery(u.RawQuery)
	return q
}

// Response returns a whole HTTP/1.1 response message with status, its
// standard reason phrase and, when body is not empty, body as plain text
// (Content-Type text/plain; charset=utf-8). The encoder adds the
// Content-Length. Add fields with Headers.Set on the head (ResponseOf).
func Response(status int, body string) *event.Message {
	h := &ResponseHead{Protocol: "HTTP/1.1", Status: status, StatusText: StatusText(status)}
	if body != "" {
		h.Headers.Set("content-type", "text/plain; charset=utf-8")
	}
	return &event.Message{Head: h, Body: event.FromString(body)}
}

// JSON returns a whole HTTP/1.1 response message with status and v encoded
// as JSON (Content-Type application/json), or the error of encoding v. Its
// shape fits a filter.Handler's return: return http1.JSON(200, v).
func JSON(status int, v any) (*event.Message, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("http1: JSON answer: %w", err)
	}
	h := &ResponseHead{Protocol: "HTTP/1.1", Status: status, StatusText: StatusText(status)}
	h.Headers.Set("content-type", "application/json")
	body := event.NewData()
	body.Push(b)
	return &event.Message{Head: h, Body: body}, nil
}

// ReadJSON decodes the body of msg, as JSON, into v.
func ReadJSON(msg *event.Message, v any) error {
	var b []byte
	if msg != nil && msg.Body != nil {
		b = msg.Body.Bytes()
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("http1: read JSON: %w", err)
	}
	return nil
}
