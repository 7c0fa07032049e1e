package event

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
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
		assert.NoError(t, err, "Int(%#v)", c.in)
		assert.Equal(t, c.want, got, "Int(%#v)", c.in)
	}
	for _, bad := range []any{nil, 1.5, math.NaN(), math.Inf(1), 1e19, uint64(math.MaxUint64), "12x", "", "9223372036854775808",
		json.Number("1.5"), []any{}, map[string]any{}, struct{}{}} {
		got, err := Int(bad)
		assert.ErrorIs(t, err, ErrBadValue, "Int(%#v) = %d", bad, got)
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
		assert.NoError(t, err, "String(%#v)", c.in)
		assert.Equal(t, c.want, got, "String(%#v)", c.in)
	}
	for _, bad := range []any{nil, []any{"a"}, map[string]any{}, struct{}{}} {
		_, err := String(bad)
		assert.ErrorIs(t, err, ErrBadValue, "String(%#v)", bad)
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
		assert.NoError(t, err, "Bool(%#v)", c.in)
		assert.Equal(t, c.want, got, "Bool(%#v)", c.in)
	}
	for _, bad := range []any{nil, "yes", []any{}, struct{}{}} {
		_, err := Bool(bad)
		assert.ErrorIs(t, err, ErrBadValue, "Bool(%#v)", bad)
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
		assert.Equal(t, c.want, got, "FieldOf(%#v, %q)", c.head, c.name)
		assert.Equal(t, c.ok, ok, "FieldOf(%#v, %q) found", c.head, c.name)
	}
}

func TestFieldReaders(t *testing.T) {
	h := Fields{"n": "300", "s": 5, "b": "true", "bad": []any{}}
	n, ok, err := IntField(h, "n", 0, 999)
	assert.NoError(t, err)
	assert.True(t, ok)
	assert.EqualValues(t, 300, n)
	_, ok, err = IntField(h, "n", 0, 255)
	assert.True(t, ok, "out of range")
	assert.ErrorIs(t, err, ErrBadValue, "out of range")
	assert.EqualError(t, err, "field n: event: bad field value: 300 out of range 0-255")
	_, ok, err = IntField(h, "missing", 0, 1)
	assert.NoError(t, err, "missing")
	assert.False(t, ok, "missing")
	s, ok, err := StringField(h, "s")
	assert.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, "5", s)
	b, ok, err := BoolField(h, "b")
	assert.NoError(t, err)
	assert.True(t, ok)
	assert.True(t, b)
	_, _, err = StringField(h, "bad")
	assert.ErrorIs(t, err, ErrBadValue)
	_, _, err = BoolField(h, "bad")
	assert.ErrorIs(t, err, ErrBadValue)
}
