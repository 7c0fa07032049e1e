package http1

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// RequestHeadOf converts a message head to a *RequestHead. v may be a
// *RequestHead, a RequestHead, nil, or a map[string]any as scripts supply,
// with the keys "method", "path", "protocol" (strings) and "headers" (see
// below); other keys are ignored. Fields v lacks are taken from defaults
// when it is not nil: Method, Path, Protocol when empty, and each header
// whose name v's headers lack, appended after them. What is still missing
// gets "GET", "/" and "HTTP/1.1".
//
// The "headers" value may be Headers, []Header, map[string]any,
// map[string]string or map[string][]string. A map's names are lower-cased
// and sorted (maps have no order); an []any or []string value gives a
// repeated field; numbers and booleans are formatted; nil values are
// skipped.
//
// The result may be v itself when v is a complete *RequestHead and defaults
// add nothing, or a head shared by every caller when v and defaults are nil;
// otherwise it is new, though it may share v's header slice. The caller must
// not modify any of them in place. It returns an error wrapping
// ErrInvalidHead when v or a field has a type it cannot convert.
func RequestHeadOf(v any, defaults *RequestHead) (*RequestHead, error) {
	if v == nil && defaults == nil {
		return defaultRequestHead, nil // before h, which escapes: no allocation
	}
	var h RequestHead
	switch x := v.(type) {
	case nil:
	case *RequestHead:
		if x == nil {
			break
		}
		if x.Method != "" && x.Path != "" && x.Protocol != "" && (defaults == nil || len(defaults.Headers) == 0) {
			return x, nil
		}
		h = *x
	case RequestHead:
		h = x
	case map[string]any:
		var err error
		if h.Method, err = stringField(x, "method"); err != nil {
			return nil, err
		}
		if h.Path, err = stringField(x, "path"); err != nil {
			return nil, err
		}
		if h.Protocol, err = stringField(x, "protocol"); err != nil {
			return nil, err
		}
		if h.Headers, err = HeadersOf(x["headers"]); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("%w: %T is not a request head", ErrInvalidHead, v)
	}
	if defaults != nil {
		h.Method = or(h.Method, defaults.Method)
		h.Path = or(h.Path, defaults.Path)
		h.Protocol = or(h.Protocol, defaults.Protocol)
		h.Headers = mergeHeaders(h.Headers, defaults.Headers)
	}
	h.Method = or(h.Method, "GET")
	h.Path = or(h.Path, "/")
	h.Protocol = or(h.Protocol, proto11)
	return &h, nil
}

// defaultRequestHead and defaultResponseHead are what a nil head without
// defaults converts to, shared: callers do not modify converted heads.
var (
	defaultRequestHead  = &RequestHead{Method: "GET", Path: "/", Protocol: proto11}
	defaultResponseHead = &ResponseHead{Status: 200, StatusText: "OK", Protocol: proto11}
)

// ResponseHeadOf converts a message head to a *ResponseHead, like
// RequestHeadOf. A map's keys are "protocol", "status" (an integer, or a
// string of digits), "statusText" and "headers". Defaults fill a zero
// Status, empty Protocol and missing headers; StatusText comes from defaults
// only with the status, otherwise an empty one gets the usual reason phrase
// of the status. What is still missing gets 200 and "HTTP/1.1".
func ResponseHeadOf(v any, defaults *ResponseHead) (*ResponseHead, error) {
	if v == nil && defaults == nil {
		return defaultResponseHead, nil // before h, which escapes: no allocation
	}
	var h ResponseHead
	switch x := v.(type) {
	case nil:
	case *ResponseHead:
		if x == nil {
			break
		}
		if x.Status != 0 && x.StatusText != "" && x.Protocol != "" && (defaults == nil || len(defaults.Headers) == 0) {
			return x, nil
		}
		h = *x
	case ResponseHead:
		h = x
	case map[string]any:
		var err error
		if h.Protocol, err = stringField(x, "protocol"); err != nil {
			return nil, err
		}
		if h.StatusText, err = stringField(x, "statusText"); err != nil {
			return nil, err
		}
		if h.Status, err = intField(x, "status"); err != nil {
			return nil, err
		}
		if h.Headers, err = HeadersOf(x["headers"]); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("%w: %T is not a response head", ErrInvalidHead, v)
	}
	if defaults != nil {
		if h.Status == 0 {
			h.Status = defaults.Status
			h.StatusText = or(h.StatusText, defaults.StatusText)
		}
		h.Protocol = or(h.Protocol, defaults.Protocol)
		h.Headers = mergeHeaders(h.Headers, defaults.Headers)
	}
	if h.Status == 0 {
		h.Status = 200
	}
	h.StatusText = or(h.StatusText, StatusText(h.Status))
	h.Protocol = or(h.Protocol, proto11)
	return &h, nil
}

// HeadersOf converts a script's headers value to Headers, as described for
// RequestHeadOf. Nil gives nil. It returns an error wrapping ErrInvalidHead
// for a value of another type.
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
			switch vs := x[k].(type) {
			case []any:
				for _, e := range vs {
					s, ok, err := scalarString(e)
					if err != nil {
						return nil, fmt.Errorf("header %q: %w", k, err)
					}
					if ok {
						hs = append(hs, Header{Name: name, Value: s})
					}
				}
			case []string:
				for _, s := range vs {
					hs = append(hs, Header{Name: name, Value: s})
				}
			default:
				s, ok, err := scalarString(vs)
				if err != nil {
					return nil, fmt.Errorf("header %q: %w", k, err)
				}
				if ok {
					hs = append(hs, Header{Name: name, Value: s})
				}
			}
		}
		return hs, nil
	}
	return nil, fmt.Errorf("%w: headers of type %T", ErrInvalidHead, v)
}

// scalarString formats a header value; ok is false for nil.
func scalarString(v any) (s string, ok bool, err error) {
	switch x := v.(type) {
	case nil:
		return "", false, nil
	case string:
		return x, true, nil
	case bool:
		return strconv.FormatBool(x), true, nil
	case int:
		return strconv.Itoa(x), true, nil
	case int32:
		return strconv.FormatInt(int64(x), 10), true, nil
	case int64:
		return strconv.FormatInt(x, 10), true, nil
	case uint:
		return strconv.FormatUint(uint64(x), 10), true, nil
	case uint32:
		return strconv.FormatUint(uint64(x), 10), true, nil
	case uint64:
		return strconv.FormatUint(x, 10), true, nil
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32), true, nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true, nil
	case fmt.Stringer:
		return x.String(), true, nil
	}
	return "", false, fmt.Errorf("%w: header value of type %T", ErrInvalidHead, v)
}

func stringField(m map[string]any, key string) (string, error) {
	switch x := m[key].(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case fmt.Stringer:
		return x.String(), nil
	default:
		return "", fmt.Errorf("%w: %s of type %T", ErrInvalidHead, key, x)
	}
}

func intField(m map[string]any, key string) (int, error) {
	var n int64
	switch x := m[key].(type) {
	case nil:
		return 0, nil
	case int:
		n = int64(x)
	case int32:
		n = int64(x)
	case int64:
		n = x
	case uint:
		if x > math.MaxInt32 {
			return 0, fmt.Errorf("%w: %s %d", ErrInvalidHead, key, x)
		}
		n = int64(x)
	case uint32:
		n = int64(x)
	case uint64:
		if x > math.MaxInt32 {
			return 0, fmt.Errorf("%w: %s %d", ErrInvalidHead, key, x)
		}
		n = int64(x)
	case float64:
		if x != math.Trunc(x) || math.Abs(x) > math.MaxInt32 {
			return 0, fmt.Errorf("%w: %s %v", ErrInvalidHead, key, x)
		}
		n = int64(x)
	case float32:
		f := float64(x)
		if f != math.Trunc(f) || math.Abs(f) > math.MaxInt32 {
			return 0, fmt.Errorf("%w: %s %v", ErrInvalidHead, key, x)
		}
		n = int64(f)
	case string:
		v, err := strconv.Atoi(x)
		if err != nil {
			return 0, fmt.Errorf("%w: %s %q", ErrInvalidHead, key, x)
		}
		n = int64(v)
	default:
		return 0, fmt.Errorf("%w: %s of type %T", ErrInvalidHead, key, x)
	}
	if n < math.MinInt32 || n > math.MaxInt32 {
		return 0, fmt.Errorf("%w: %s %d", ErrInvalidHead, key, n)
	}
	return int(n), nil
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

// mergeHeaders returns hs followed by each field of defs whose name hs does
// not have. It never writes into hs's backing array.
func mergeHeaders(hs, defs Headers) Headers {
	if len(defs) == 0 {
		return hs
	}
	out := hs[:len(hs):len(hs)]
	for _, f := range defs {
		if !hs.Has(f.Name) {
			out = append(out, f)
		}
	}
	return out
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
