package hessian

import (
	"bytes"
	"encoding/hex"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func unhex(t testing.TB, s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	require.NoError(t, err, s)
	return b
}

// hessianEqual compares decoded values: floats by their bits, dates by
// instant, lists and maps deeply (pairs already being compared count as
// equal, so cycles terminate).
func hessianEqual(a, b any, seen map[[2]any]bool) bool {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		return ok && math.Float64bits(x) == math.Float64bits(y)
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	case *List:
		y, ok := b.(*List)
		if !ok || x.Type != y.Type || len(x.Items) != len(y.Items) {
			return false
		}
		if seen[[2]any{x, y}] {
			return true
		}
		seen[[2]any{x, y}] = true
		for i := range x.Items {
			if !hessianEqual(x.Items[i], y.Items[i], seen) {
				return false
			}
		}
		return true
	case *Map:
		y, ok := b.(*Map)
		if !ok || x.Type != y.Type || x.Object != y.Object || len(x.Keys) != len(y.Keys) || len(x.Values) != len(y.Values) {
			return false
		}
		if seen[[2]any{x, y}] {
			return true
		}
		seen[[2]any{x, y}] = true
		for i := range x.Keys {
			if !hessianEqual(x.Keys[i], y.Keys[i], seen) || !hessianEqual(x.Values[i], y.Values[i], seen) {
				return false
			}
		}
		return true
	}
	return a == b
}

func TestHessianSpecEncodings(t *testing.T) {
	for _, c := range []struct {
		v   any
		hex string
	}{
		{nil, "4e"}, {true, "54"}, {false, "46"},
		{int32(0), "90"}, {int32(-16), "80"}, {int32(47), "bf"}, {int32(48), "c8 30"},
		{int32(-2048), "c0 00"}, {int32(2047), "cf ff"}, {int32(-262144), "d0 00 00"},
		{int32(262143), "d7 ff ff"}, {int32(262144), "49 00 04 00 00"}, {int32(math.MinInt32), "49 80 00 00 00"},
		{int64(0), "e0"}, {int64(-8), "d8"}, {int64(15), "ef"}, {int64(-2048), "f0 00"}, {int64(2047), "ff ff"},
		{int64(-262144), "38 00 00"}, {int64(262143), "3f ff ff"}, {int64(math.MaxInt32), "59 7f ff ff ff"},
		{int64(math.MaxInt32 + 1), "4c 00 00 00 00 80 00 00 00"},
		{0.0, "5b"}, {1.0, "5c"}, {-128.0, "5d 80"}, {127.0, "5d 7f"}, {-32768.0, "5e 80 00"}, {32767.0, "5e 7f ff"},
		{12.25, "5f 00 00 2f da"}, {math.Copysign(0, -1), "44 80 00 00 00 00 00 00 00"},
		{1e300, "44 7e 37 e4 3c 88 00 75 9c"},
		{"", "00"}, {"hello", "05 68 65 6c 6c 6f"}, {"\u00c3", "01 c3 83"},
		{"😀", "02 ed a0 bd ed b8 80"}, // a surrogate pair, each half in 3 bytes
		{[]byte{}, "20"}, {[]byte{1, 2, 3}, "23 01 02 03"},
		{time.Date(1998, 5, 8, 9, 51, 31, 0, time.UTC), "4a 00 00 00 d0 4b 92 84 b8"},
		{time.Date(1998, 5, 8, 9, 51, 0, 0, time.UTC), "4b 00 e3 83 8f"},
		{&List{Items: []any{int32(1), int32(2), int32(3)}}, "7b 91 92 93"},
		{&List{Type: "[int", Items: []any{int32(0), int32(1)}}, "72 04 5b 69 6e 74 90 91"},
		{&Map{Keys: []any{int32(1)}, Values: []any{"fee"}}, "48 91 03 66 65 65 5a"},
		{&Map{Type: "com.caucho.test.Car", Keys: []any{"color"}, Values: []any{"red"}},
			"4d 13" + hex.EncodeToString([]byte("com.caucho.test.Car")) + "05" + hex.EncodeToString([]byte("color")) + "03 72 65 64 5a"},
	} {
		b, err := EncodeAll([]any{c.v})
		require.NoError(t, err, "%#v", c.v)
		assert.Equal(t, strings.ReplaceAll(c.hex, " ", ""), hex.EncodeToString(b), "%#v", c.v)
		vs, err := DecodeAll(b)
		require.NoError(t, err)
		require.Len(t, vs, 1)
		assert.True(t, hessianEqual(c.v, vs[0], map[[2]any]bool{}), "%#v decoded as %#v", c.v, vs[0])
	}
}

func TestHessianDecodeForms(t *testing.T) {
	car := hex.EncodeToString([]byte("example.Car"))
	for _, c := range []struct {
		hex  string
		want []any
	}{
		// The long forms the encoder does not write.
		{"49 00 00 00 05", []any{int32(5)}},
		{"4c 00 00 00 00 00 00 00 05", []any{int64(5)}},
		{"44 3f f0 00 00 00 00 00 00", []any{1.0}},
		{"53 00 02 68 69", []any{"hi"}},
		{"52 00 01 61 01 62", []any{"ab"}}, // chunked
		{"30 02 68 69", []any{"hi"}},
		{"f0 9f 98 80", nil}, // placeholder replaced below
		{"42 00 02 01 02", []any{[]byte{1, 2}}},
		{"41 00 01 01 21 02", []any{[]byte{1, 2}}},
		{"34 00", []any{[]byte{}}}, // 0x34-0x37 form
		{"35 00" + strings.Repeat("07", 256), []any{bytes.Repeat([]byte{7}, 256)}},
		{"57 91 92 5a", []any{&List{Items: []any{int32(1), int32(2)}}}},
		{"58 92 91 92", []any{&List{Items: []any{int32(1), int32(2)}}}},
		{"55 03 5b 69 6e 91 5a", []any{&List{Type: "[in", Items: []any{int32(1)}}}},
		{"56 03 5b 69 6e 91 91 71 90 92", []any{
			&List{Type: "[in", Items: []any{int32(1)}},
			&List{Type: "[in", Items: []any{int32(2)}}}}, // a type reference
		{"90 91", []any{int32(0), int32(1)}},
		{"43 0b" + car + "92 05 636f6c6f72 05 6d6f64656c 4f 90 03 726564 08 636f7276657474 65 60 05 677265656e 05 6369766963", []any{
			&Map{Type: "example.Car", Object: true, Keys: []any{"color", "model"}, Values: []any{"red", "corvette"}},
			&Map{Type: "example.Car", Object: true, Keys: []any{"color", "model"}, Values: []any{"green", "civic"}}}},
	} {
		if strings.HasPrefix(c.hex, "f0") {
			// A 4-byte UTF-8 sequence counts as one character, as Pipy
			// writes it ("é😀x": three).
			c.hex, c.want = "03 c3 a9 f0 9f 98 80 78", []any{"é😀x"}
		}
		vs, err := DecodeAll(unhex(t, c.hex))
		require.NoError(t, err, c.hex)
		require.Len(t, vs, len(c.want), c.hex)
		for i := range vs {
			assert.True(t, hessianEqual(c.want[i], vs[i], map[[2]any]bool{}), "%s: %#v", c.hex, vs[i])
		}
	}
}

func TestHessianCycles(t *testing.T) {
	// The spec's circular list: an object whose next field refers to itself.
	b := unhex(t, "43 0a"+hex.EncodeToString([]byte("LinkedList"))+"92 04"+hex.EncodeToString([]byte("head"))+"04"+hex.EncodeToString([]byte("next"))+"4f 90 91 51 90")
	vs, err := DecodeAll(b)
	require.NoError(t, err)
	require.Len(t, vs, 1)
	m := vs[0].(*Map)
	assert.Equal(t, int32(1), m.Values[0])
	assert.Same(t, m, m.Values[1])
	enc, err := EncodeAll(vs)
	require.NoError(t, err)
	assert.Equal(t, append(b[:23:23], 0x60, 0x91, 0x51, 0x90), enc, "the same, with the short object form")

	l := &List{}
	l.Items = []any{l, l}
	enc, err = EncodeAll([]any{l})
	require.NoError(t, err)
	assert.Equal(t, "7a 51 90 51 90", spaced(enc))
}

func spaced(b []byte) string {
	var parts []string
	for _, c := range b {
		parts = append(parts, hex.EncodeToString([]byte{c}))
	}
	return strings.Join(parts, " ")
}

func TestHessianLong(t *testing.T) {
	s := strings.Repeat("ü", 40000) // two chunks
	b := []byte(strings.Repeat("x", 70000))
	enc, err := EncodeAll([]any{s, b})
	require.NoError(t, err)
	assert.Equal(t, byte('R'), enc[0])
	vs, err := DecodeAll(enc)
	require.NoError(t, err)
	assert.Equal(t, s, vs[0])
	assert.Equal(t, b, vs[1])
}

func TestHessianDecodeErrors(t *testing.T) {
	deep := strings.Repeat("57", MaxDepth+1)
	for _, c := range []struct{ hex, want string }{
		{"49 00 00", "truncated input at byte 3"},
		{"5a", "unexpected end of list or map at byte 0"},
		{"45", "unknown tag 0x45 at byte 0"},
		{"57 91", "truncated input"},
		{"51 90", "reference 0 out of range"},
		{"60", "class definition 0 out of range"},
		{"58 c8 ff", "invalid length 255"},
		{"02 61", "truncated input"},
		{"01 ff", "invalid UTF-8 byte 0xff"},
		{"01 c3 41", "invalid UTF-8 sequence"},
		{"02 f0 9f 98 80", "truncated input"},        // one character in a two-character string
		{"01 f0 8f bf bf", "invalid UTF-8 sequence"}, // an overlong 4-byte sequence
		{"52 00 01 61 90", "expected a string chunk"},
		{"41 00 01 01 90", "expected a binary chunk"},
		{"71 91", "type reference 1 out of range"},
		{"43 90", "expected a string"},
		{"4f 05 68 65 6c 6c 6f", "expected an integer"},
		{deep, "nested deeper than 256"},
	} {
		_, err := DecodeAll(unhex(t, c.hex))
		var se *SyntaxError
		if assert.ErrorAs(t, err, &se, c.hex) {
			assert.Contains(t, err.Error(), c.want, c.hex)
			assert.ErrorIs(t, err, ErrSyntax, c.hex)
		}
	}
}

func TestHessianEncodeErrors(t *testing.T) {
	_, err := EncodeAll([]any{struct{}{}})
	assert.EqualError(t, err, "hessian: cannot encode a value of type struct {}")
	assert.ErrorIs(t, err, ErrEncode)
	_, err = EncodeAll([]any{&Map{Object: true, Keys: []any{1}, Values: []any{1}}})
	assert.ErrorContains(t, err, "field name of type int")
	_, err = EncodeAll([]any{&Map{Keys: []any{1}}})
	assert.ErrorContains(t, err, "1 keys and 0 values")
	v := any(nil)
	for range MaxDepth + 1 {
		v = &List{Items: []any{v}}
	}
	_, err = EncodeAll([]any{v})
	assert.ErrorContains(t, err, "nested deeper than 256")
	enc, err := EncodeAll([]any{7, 1 << 40})
	require.NoError(t, err)
	assert.Equal(t, "97 4c 00 00 01 00 00 00 00 00", spaced(enc))
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		"4e", "90 91 92", "c8 30", "d4 00 00", "49 00 04 00 00", "e0", "f8 00", "3c 00 00", "59 7f ff ff ff",
		"4c 00 00 00 00 80 00 00 00", "5b", "5c", "5d 80", "5e 80 00", "5f 00 00 2f da", "44 7e 37 e4 3c 88 00 75 9c",
		"05 68 65 6c 6c 6f", "02 ed a0 bd ed b8 80", "52 00 01 61 01 62", "23 01 02 03", "41 00 01 01 21 02",
		"4a 00 00 00 d0 4b 92 84 b8", "4b 00 e3 83 8f", "7b 91 92 93", "72 04 5b 69 6e 74 90 91",
		"56 03 5b 69 6e 91 91 71 90 92", "57 91 92 5a", "48 91 03 66 65 65 5a", "4d 01 74 91 90 5a",
		"43 01 43 92 01 61 01 62 60 91 92 4f 90 93 94", "43 01 4c 92 01 68 01 6e 4f 90 91 51 90", "7a 51 90 51 90",
	} {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		vs, err := DecodeAll(b)
		if err != nil {
			var se *SyntaxError
			if !assert.ErrorAs(t, err, &se) || se.Offset < 0 || se.Offset > len(b) {
				t.Fatalf("bad error %v for %x", err, b)
			}
			return
		}
		enc, err := EncodeAll(vs)
		if err != nil {
			t.Fatalf("cannot re-encode %x: %v", b, err)
		}
		again, err := DecodeAll(enc)
		if err != nil {
			t.Fatalf("cannot decode the re-encoding %x of %x: %v", enc, b, err)
		}
		if len(again) != len(vs) {
			t.Fatalf("%d values became %d", len(vs), len(again))
		}
		seen := map[[2]any]bool{}
		for i := range vs {
			if !hessianEqual(vs[i], again[i], seen) {
				t.Fatalf("value %d of %x changed: %#v became %#v (via %x)", i, b, vs[i], again[i], enc)
			}
		}
	})
}
