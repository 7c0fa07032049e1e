package event

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Head is a message head seen as Pipy sees every head: a bag of named
// fields. Field returns the value of the field called name and whether the
// head has it. The typed heads of the codecs (*http1.RequestHead,
// *http1.ResponseHead, *dubbo.Head) and Fields implement it, so any encoder
// can read any head by name and apply its own defaults to what is missing.
// A Head is owned by whoever holds its MessageStart; Field does not change it.
type Head interface {
	Field(name string) (any, bool)
}

// Fields is a head given as a plain map of named fields, as scripts and Go
// code make them. A nil Fields has no fields.
type Fields map[string]any

// Field returns f[name] and whether f has the key.
func (f Fields) Field(name string) (any, bool) {
	v, ok := f[name]
	return v, ok
}

// FieldOf returns the field called name of head, which may be a Head, a
// map[string]any or nil (no fields). A field holding nil counts as missing.
// Any other head has no fields.
func FieldOf(head any, name string) (any, bool) {
	var v any
	var ok bool
	switch h := head.(type) {
	case nil:
		return nil, false
	case map[string]any:
		v, ok = h[name]
	case Head:
		v, ok = h.Field(name)
	}
	return v, ok && v != nil
}

// Int coerces a loose value to an integer: any Go integer type, a float
// with no fraction (JavaScript numbers), a json.Number, a string of decimal
// digits (surrounding spaces ignored) or a bool (1 or 0). Anything else, or a
// number outside int64, gives an error wrapping ErrBadValue.
func Int(v any) (int64, error) {
	switch x := v.(type) {
	case int:
		return int64(x), nil
	case int8:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case int64:
		return x, nil
	case uint:
		return uintToInt(uint64(x))
	case uint8:
		return int64(x), nil
	case uint16:
		return int64(x), nil
	case uint32:
		return int64(x), nil
	case uint64:
		return uintToInt(x)
	case float32:
		return Int(float64(x))
	case float64:
		// 2^63 is the first float64 outside int64; -2^63 is inside.
		if x != math.Trunc(x) || x < math.MinInt64 || x >= math.MaxInt64 {
			return 0, fmt.Errorf("%w: %v is not an integer", ErrBadValue, x)
		}
		return int64(x), nil
	case json.Number:
		n, err := x.Int64()
		if err != nil {
			return 0, fmt.Errorf("%w: %q is not an integer", ErrBadValue, string(x))
		}
		return n, nil
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%w: %q is not an integer", ErrBadValue, x)
		}
		return n, nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	}
	return 0, fmt.Errorf("%w: %T is not a number", ErrBadValue, v)
}

func uintToInt(x uint64) (int64, error) {
	if x > math.MaxInt64 {
		return 0, fmt.Errorf("%w: %d is not a 64-bit integer", ErrBadValue, x)
	}
	return int64(x), nil
}

// String coerces a loose value to a string: a string as it is, a number in
// decimal (a float with no fraction without a decimal point, as JavaScript
// prints it), a bool as "true" or "false", a fmt.Stringer by its String.
// Anything else gives an error wrapping ErrBadValue.
func String(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case int:
		return strconv.Itoa(x), nil
	case int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return fmt.Sprint(x), nil
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case json.Number:
		return string(x), nil
	case fmt.Stringer:
		return x.String(), nil
	}
	return "", fmt.Errorf("%w: %T is not a string", ErrBadValue, v)
}

// Bool coerces a loose value to a bool: a bool as it is, a number as
// "not zero", a string as strconv.ParseBool reads it ("true", "1", "false",
// "0", …; "" is false). Anything else gives an error wrapping ErrBadValue.
func Bool(v any) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case string:
		if x == "" {
			return false, nil
		}
		b, err := strconv.ParseBool(strings.TrimSpace(x))
		if err != nil {
			return false, fmt.Errorf("%w: %q is not a boolean", ErrBadValue, x)
		}
		return b, nil
	case float64:
		return x != 0, nil
	case float32:
		return x != 0, nil
	}
	if n, err := Int(v); err == nil {
		return n != 0, nil
	}
	return false, fmt.Errorf("%w: %T is not a boolean", ErrBadValue, v)
}

// IntField reads the field called name of head (see FieldOf) as an integer
// in [lo, hi]. ok is false when the head lacks the field. The error names the
// field and wraps ErrBadValue.
func IntField(head any, name string, lo, hi int64) (n int64, ok bool, err error) {
	v, ok := FieldOf(head, name)
	if !ok {
		return 0, false, nil
	}
	n, err = Int(v)
	if err == nil && (n < lo || n > hi) {
		err = fmt.Errorf("%w: %d out of range %d-%d", ErrBadValue, n, lo, hi)
	}
	if err != nil {
		return 0, true, fmt.Errorf("field %s: %w", name, err)
	}
	return n, true, nil
}

// StringField reads the field called name of head as a string, as IntField
// does.
func StringField(head any, name string) (s string, ok bool, err error) {
	v, ok := FieldOf(head, name)
	if !ok {
		return "", false, nil
	}
	if s, err = String(v); err != nil {
		return "", true, fmt.Errorf("field %s: %w", name, err)
	}
	return s, true, nil
}

// BoolField reads the field called name of head as a bool, as IntField does.
func BoolField(head any, name string) (b bool, ok bool, err error) {
	v, ok := FieldOf(head, name)
	if !ok {
		return false, false, nil
	}
	if b, err = Bool(v); err != nil {
		return false, true, fmt.Errorf("field %s: %w", name, err)
	}
	return b, true, nil
}
