package http1

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/sluice-go/sluice/event"
)

// RequestHeadOf returns a message head as the request head encodeHttpRequest
// writes. A *RequestHead is returned as it is. Any other head is read by
// field name, as Pipy reads its property bags: an event.Head (a
// *ResponseHead, a *dubbo.Head, event.Fields), a map[string]any as scripts
// make, a RequestHead value, or nil. Its "method", "path" and "protocol"
// (strings) default to "GET", "/" and "HTTP/1.1"; its "headers" (see
// HeadersOf) are kept, less the framing fields (Content-Length,
// Transfer-Encoding, and Connection and Keep-Alive, whose meaning goes to
// the head's Connection). So a response head gives "GET /" with its headers.
//
// The result may be v itself, or a head shared by every caller when v is
// nil, or a new head that may share v's header slice: the caller must not
// modify it in place. A *RequestHead with an empty Method, Path or
// Protocol gives a copy with the defaults. It returns an error wrapping
// ErrInvalidHead when a field has a type it cannot convert.
func RequestHeadOf(v any) (*RequestHead, error) {
	switch x := v.(type) {
	case *RequestHead:
		if x == nil {
			return defaultRequestHead, nil
		}
		if x.Method != "" && x.Path != "" && x.Protocol != "" {
			return x, nil
		}
		c := *x
		return c.withDefaults(), nil
	case nil:
		return defaultRequestHead, nil
	case RequestHead:
		return x.withDefaults(), nil
	case map[string]any, event.Head:
	default:
		return nil, fmt.Errorf("%w: %T is not a message head", ErrInvalidHead, v)
	}
	var h RequestHead
	var err error
	if h.Method, err = stringField(v, "method"); err != nil {
		return nil, err
	}
	if h.Path, err = stringField(v, "path"); err != nil {
		return nil, err
	}
	if h.Protocol, err = stringField(v, "protocol"); err != nil {
		return nil, err
	}
	if h.Headers, h.Connection, err = headersField(v); err != nil {
		return nil, err
	}
	return h.withDefaults(), nil
}

// withDefaults fills h's empty Method, Path and Protocol with "GET", "/"
// and "HTTP/1.1" and returns h.
func (h *RequestHead) withDefaults() *RequestHead {
	h.Method = or(h.Method, "GET")
	h.Path = or(h.Path, "/")
	h.Protocol = or(h.Protocol, proto11)
	return h
}

// defaultRequestHead and defaultResponseHead are what a nil head converts
// to, shared: callers do not modify converted heads.
var (
	defaultRequestHead  = &RequestHead{Method: "GET", Path: "/", Protocol: proto11}
	defaultResponseHead = &ResponseHead{Status: 200, StatusText: "OK", Protocol: proto11}
)

// ResponseHeadOf returns a message head as the response head
// encodeHttpResponse writes, like RequestHeadOf: a *ResponseHead as it is,
// any other head read by field name. Its "status" (an integer, or a string
// of digits) defaults to 200, "statusText" to the usual reason phrase of the
// status, "protocol" to "HTTP/1.1"; its "headers" are kept less the framing
// fields. So a request head gives a 200 with the request's headers. A
// *ResponseHead with a zero Status or an empty StatusText or Protocol gives a
// copy with the defaults.
func ResponseHeadOf(v any) (*ResponseHead, error) {
	switch x := v.(type) {
	case *ResponseHead:
		if x == nil {
			return defaultResponseHead, nil
		}
		if x.Status != 0 && x.StatusText != "" && x.Protocol != "" {
			return x, nil
		}
		c := *x
		return c.withDefaults(), nil
	case nil:
		return defaultResponseHead, nil
	case ResponseHead:
		return x.withDefaults(), nil
	case map[string]any, event.Head:
	default:
		return nil, fmt.Errorf("%w: %T is not a message head", ErrInvalidHead, v)
	}
	var h ResponseHead
	var err error
	if h.Protocol, err = stringField(v, "protocol"); err != nil {
		return nil, err
	}
	if h.StatusText, err = stringField(v, "statusText"); err != nil {
		return nil, err
	}
	status, _, err := event.IntField(v, "status", 0, math.MaxInt32)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidHead, err)
	}
	h.Status = int(status)
	if h.Headers, h.Connection, err = headersField(v); err != nil {
		return nil, err
	}
	return h.withDefaults(), nil
}

// withDefaults fills h's zero Status with 200, its empty StatusText with
// the status's reason phrase and its empty Protocol with "HTTP/1.1", and
// returns h.
func (h *ResponseHead) withDefaults() *ResponseHead {
	if h.Status == 0 {
		h.Status = 200
	}
	h.StatusText = or(h.StatusText, StatusText(h.Status))
	h.Protocol = or(h.Protocol, proto11)
	return h
}

// stringField reads a string field of a head read by name.
func stringField(v any, name string) (string, error) {
	s, _, err := event.StringField(v, name)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalidHead, err)
	}
	return s, nil
}

// headersField reads the "headers" field of a head read by name, less its
// framing fields, and the connection mode they said.
func headersField(v any) (Headers, ConnMode, error) {
	x, _ := event.FieldOf(v, "headers")
	hs, err := HeadersOf(x)
	if err != nil {
		return nil, 0, err
	}
	hs, mode := withoutFraming(hs)
	return hs, mode, nil
}

// HeadersOf converts a script's headers value to Headers. It may be
// Headers, []Header, map[string]any, map[string]string or
// map[string][]string. A map's names are lower-cased and sorted (maps have
// no order); an []any or []string value gives a repeated field; numbers and
// booleans are formatted (event.String); nil values are skipped. Nil gives
// nil. It returns an error wrapping ErrInvalidHead for a value of another
// type.
func HeadersOf(v any) (Headers, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case Headers:
		return x, nil
	case []Header:
		return Headers(x), nil
	case map[string]string:
		hs := make(Headers, 0, len(x))
		for _, k := range sortedKeys(x) {
			hs = append(hs, Header{Name: strings.ToLower(k), Value: x[k]})
		}
		return hs, nil
	case map[string][]string:
		var hs Headers
		for _, k := range sortedKeys(x) {
			for _, s := range x[k] {
				hs = append(hs, Header{Name: strings.ToLower(k), Value: s})
			}
		}
		return hs, nil
	case map[string]any:
		var hs Headers
		for _, k := range sortedKeys(x) {
			name := strings.ToLower(k)
			vs, ok := x[k].([]any)
			if !ok {
				if ss, ok := x[k].([]string); ok {
					for _, s := range ss {
						hs = append(hs, Header{Name: name, Value: s})
					}
					continue
				}
				vs = []any{x[k]}
			}
			for _, e := range vs {
				if e == nil {
					continue
				}
				s, err := event.String(e)
				if err != nil {
					return nil, fmt.Errorf("%w: header %q: %w", ErrInvalidHead, k, err)
				}
				hs = append(hs, Header{Name: name, Value: s})
			}
		}
		return hs, nil
	}
	return nil, fmt.Errorf("%w: headers of type %T", ErrInvalidHead, v)
}

// isFramingField reports whether a field of that name (any case) frames the
// message on its connection rather than describing it: Content-Length,
// Transfer-Encoding, Connection, Keep-Alive.
func isFramingField(name string) bool {
	switch len(name) {
	case 10:
		return equalFold(name, "connection") || equalFold(name, "keep-alive")
	case 14:
		return equalFold(name, "content-length")
	case 17:
		return equalFold(name, "transfer-encoding")
	}
	return false
}

// framingOnly reports whether f is a framing field to take out of a head:
// any of isFramingField except a Connection field naming other options
// than close and keep-alive ("upgrade"), which is kept whole.
func framingOnly(f *Header) bool {
	if !isFramingField(f.Name) {
		return false
	}
	if len(f.Name) != 10 || !equalFold(f.Name, "connection") {
		return true
	}
	only := true
	forEachToken(f.Value, func(t string) {
		if !equalFold(t, "close") && !equalFold(t, "keep-alive") {
			only = false
		}
	})
	return only
}

// connModeOf returns what the Connection fields of hs say: ConnClose for
// "close", ConnKeepAlive for "keep-alive", ConnDefault for neither.
func connModeOf(hs Headers) ConnMode {
	mode := ConnDefault
	for i := range hs {
		if equalFold(hs[i].Name, "connection") {
			forEachToken(hs[i].Value, func(t string) {
				switch {
				case equalFold(t, "close"):
					mode = ConnClose
				case equalFold(t, "keep-alive") && mode == ConnDefault:
					mode = ConnKeepAlive
				}
			})
		}
	}
	return mode
}

// withoutFraming returns hs less its framing fields (see framingOnly) and
// the connection mode they said. It copies hs only when it takes something
// out, never writing into hs.
func withoutFraming(hs Headers) (Headers, ConnMode) {
	i := 0
	for i < len(hs) && !framingOnly(&hs[i]) {
		i++
	}
	if i == len(hs) {
		return hs, connModeOf(hs)
	}
	mode := connModeOf(hs)
	out := make(Headers, i, len(hs)-1)
	copy(out, hs[:i])
	for j := i + 1; j < len(hs); j++ {
		if !framingOnly(&hs[j]) {
			out = append(out, hs[j])
		}
	}
	return out, mode
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool {
		a, b := strings.ToLower(ks[i]), strings.ToLower(ks[j])
		if a != b {
			return a < b
		}
		return ks[i] < ks[j]
	})
	return ks
}

// cloneRequestHead returns a copy of h that shares no header storage with it.
func cloneRequestHead(h *RequestHead) *RequestHead {
	c := *h
	c.Headers = h.Headers.Clone()
	return &c
}

// cloneResponseHead returns a copy of h that shares no header storage with it.
func cloneResponseHead(h *ResponseHead) *ResponseHead {
	c := *h
	c.Headers = h.Headers.Clone()
	return &c
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
