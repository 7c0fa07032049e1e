package event

import (
	"encoding/json"
	"errors"
	"math"
	"testing"
)

type stringer struct{}

func (stringer) String() string { return "s" }

func TestInt(t *testing.T) {
	for _, c := range []struct {
		in   any
		want int64
	}{
		{7, 7}, {int8(-8), -8}, {int16(16), 16}, {int32(32), 32}, {int64(-64), -64},
		{uint(1), 1}, {uint8(255), 255}, {uint16(2), 2}, {uint32(3), 3}, {uint64(4), 4},
		{float32(30), 30}, {float64(1 << 52), 1 << 52}, {math.Copysign(0, -1), 0},
		{json.Number("77"), 77}, {"42", 42}, {" -5 ", -5}, {"9223372036854775807", math.MaxInt64},
		{true, 1}, {false, 0},
	} {
		got, err := Int(c.in)
		if err != nil || got != c.want {
			t.Errorf("Int(%#v) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	for _, bad := range []any{nil, 1.5, math.NaN(), math.Inf(1), 1e19, uint64(math.MaxUint64), "12x", "", "9223372036854775808",
		json.Number("1.5"), []any{}, map[string]any{}, struct{}{}} {
		if got, err := Int(bad); !errors.Is(err, ErrBadValue) {
			t.Errorf("Int(%#v) = %d, %v; want ErrBadValue", bad, got, err)
		}
	}
}

func TestString(t *testing.T) {
	for _, c := range []struct {
		in   any
		want string
	}{
		{"x", "x"}, {true, "true"}, {3, "3"}, {int64(-4), "-4"}, {uint8(5), "5"},
		{float64(3), "3"}, {1.5, "1.5"}, {float32(0.25), "0.25"}, {json.Number("9"), "9"}, {stringer{}, "s"},
	} {
		got, err := String(c.in)
		if err != nil || got != c.want {
			t.Errorf("String(%#v) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, bad := range []any{nil, []any{"a"}, map[string]any{}, struct{}{}} {
		if _, err := String(bad); !errors.Is(err, ErrBadValue) {
			t.Errorf("String(%#v): %v, want ErrBadValue", bad, err)
		}
	}
}

func TestBool(t *testing.T) {
	for _, c := range []struct {
		in   any
		want bool
	}{
		{true, true}, {false, false}, {1, true}, {int64(0), false}, {0.0, false}, {2.5, true},
		{"true", true}, {"0", false}, {"", false}, {" 1 ", true}, {uint8(1), true},
	} {
		got, err := Bool(c.in)
		if err != nil || got != c.want {
			t.Errorf("Bool(%#v) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, bad := range []any{nil, "yes", []any{}, struct{}{}} {
		if _, err := Bool(bad); !errors.Is(err, ErrBadValue) {
			t.Errorf("Bool(%#v): %v, want ErrBadValue", bad, err)
		}
	}
}

func TestFieldOf(t *testing.T) {
	m := map[string]any{"a": 1, "nil": nil}
	f := Fields{"b": "2"}
	for _, c := range []struct {
		head any
		name string
		want any
		ok   bool
	}{
		{m, "a", 1, true},
		{m, "nil", nil, false},
		{m, "x", nil, false},
		{f, "b", "2", true},
		{f, "a", nil, false},
		{Fields(nil), "a", nil, false},
		{nil, "a", nil, false},
		{42, "a", nil, false},
	} {
		got, ok := FieldOf(c.head, c.name)
		if got != c.want || ok != c.ok {
			t.Errorf("FieldOf(%#v, %q) = %v, %v; want %v, %v", c.head, c.name, got, ok, c.want, c.ok)
		}
	}
}

func TestFieldReaders(t *testing.T) {
	h := Fields{"n": "300", "s": 5, "b": "true", "bad": []any{}}
	if n, ok, err := IntField(h, "n", 0, 999); n != 300 || !ok || err != nil {
		t.Errorf("IntField: %d %v %v", n, ok, err)
	}
	if _, ok, err := IntField(h, "n", 0, 255); !ok || !errors.Is(err, ErrBadValue) || err.Error() != "field n: event: bad field value: 300 out of range 0-255" {
		t.Errorf("IntField out of range: %v %v", ok, err)
	}
	if _, ok, err := IntField(h, "missing", 0, 1); ok || err != nil {
		t.Errorf("IntField missing: %v %v", ok, err)
	}
	if s, ok, err := StringField(h, "s"); s != "5" || !ok || err != nil {
		t.Errorf("StringField: %q %v %v", s, ok, err)
	}
	if b, ok, err := BoolField(h, "b"); !b || !ok || err != nil {
		t.Errorf("BoolField: %v %v %v", b, ok, err)
	}
	if _, _, err := StringField(h, "bad"); !errors.Is(err, ErrBadValue) {
		t.Errorf("StringField bad: %v", err)
	}
	if _, _, err := BoolField(h, "bad"); !errors.Is(err, ErrBadValue) {
		t.Errorf("BoolField bad: %v", err)
	}
}
