package dubbo

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHeadOf(t *testing.T) {
	req := Head{IsRequest: true, IsTwoWay: true, Serialization: 2}
	resp := Head{Status: StatusOK, Serialization: 2}
	cases := []struct {
		name string
		in   any
		want Head
	}{
		{"nil", nil, req},
		{"nil *Head", (*Head)(nil), req},
		{"HTTP-like head", event.Fields{"method": "GET", "headers": map[string]any{}}, req},
		{"status string", map[string]any{"isRequest": false, "status": "20"}, resp},
		{"flag as number", map[string]any{"isTwoWay": 0}, Head{IsRequest: true, Serialization: 2}},
		{"Head value", Head{ID: 3, Status: 7, IsEvent: true}, Head{ID: 3, Status: 7, IsEvent: true}},
		{"empty map", map[string]any{}, req},
		{"map of nils", map[string]any{"id": nil, "isRequest": nil, "status": nil}, req},
		{"request with id", map[string]any{"id": 12, "isRequest": true}, Head{ID: 12, IsRequest: true, IsTwoWay: true, Serialization: 2}},
		{"one-way request", map[string]any{"isRequest": true, "isTwoWay": false}, Head{IsRequest: true, Serialization: 2}},
		{"response defaults", map[string]any{"isRequest": false, "id": "42"}, Head{ID: 42, Status: StatusOK, Serialization: 2}},
		{"response with status", map[string]any{"isRequest": false, "status": 70}, Head{Status: 70, Serialization: 2}},
		{"request with status", map[string]any{"status": 5}, Head{Status: 5, IsRequest: true, IsTwoWay: true, Serialization: 2}},
		{"event", map[string]any{"isEvent": true}, Head{IsRequest: true, IsTwoWay: true, IsEvent: true, Serialization: 2}},
		{"serialization", map[string]any{"serialization": 6}, Head{IsRequest: true, IsTwoWay: true, Serialization: 6}},
		{"JS number id", map[string]any{"id": float64(1 << 52)}, Head{ID: 1 << 52, IsRequest: true, IsTwoWay: true, Serialization: 2}},
		{"largest id string", map[string]any{"id": "9223372036854775807"}, Head{ID: math.MaxInt64, IsRequest: true, IsTwoWay: true, Serialization: 2}},
		{"negative id string", map[string]any{"id": " -5 "}, Head{ID: -5, IsRequest: true, IsTwoWay: true, Serialization: 2}},
		{"negative id number", map[string]any{"id": int64(-5)}, Head{ID: -5, IsRequest: true, IsTwoWay: true, Serialization: 2}},
		{"uint64 id", map[string]any{"id": uint64(8)}, Head{ID: 8, IsRequest: true, IsTwoWay: true, Serialization: 2}},
		{"json.Number id", map[string]any{"id": json.Number("77")}, Head{ID: 77, IsRequest: true, IsTwoWay: true, Serialization: 2}},
		{"uint8 status", map[string]any{"isRequest": false, "status": uint8(255)}, Head{Status: 255, Serialization: 2}},
		{"float status", map[string]any{"isRequest": false, "status": float32(30)}, Head{Status: 30, Serialization: 2}},
		{"unknown keys ignored", map[string]any{"method": "x", "isRequest": false}, resp},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, err := HeadOf(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.want, *h)
		})
	}
}

func TestHeadOfPointerNotCopied(t *testing.T) {
	h := &Head{ID: 1}
	got, err := HeadOf(h)
	require.NoError(t, err)
	assert.Same(t, h, got)
}

func TestHeadOfNilIsFresh(t *testing.T) {
	a, err := HeadOf(nil)
	require.NoError(t, err)
	a.ID = 99
	b, err := HeadOf(nil)
	require.NoError(t, err)
	assert.Equal(t, int64(0), b.ID)
	assert.NotSame(t, a, b)
}

func TestHeadOfErrors(t *testing.T) {
	cases := []struct {
		name string
		in   any
		msg  string
	}{
		{"string", "head", "dubbo: invalid head: cannot use string as a dubbo head"},
		{"other map type", map[string]string{"id": "1"}, "dubbo: invalid head: cannot use map[string]string as a dubbo head"},
		{"bad id string", map[string]any{"id": "12x"}, `dubbo: invalid head: field id: event: bad field value: "12x" is not an integer`},
		{"id string overflow", map[string]any{"id": "9223372036854775808"}, `dubbo: invalid head: field id: event: bad field value: "9223372036854775808" is not an integer`},
		{"fractional id", map[string]any{"id": 1.5}, "dubbo: invalid head: field id: event: bad field value: 1.5 is not an integer"},
		{"huge float id", map[string]any{"id": 1e19}, "dubbo: invalid head: field id: event: bad field value: 1e+19 is not an integer"},
		{"NaN id", map[string]any{"id": math.NaN()}, "dubbo: invalid head: field id: event: bad field value: NaN is not an integer"},
		{"uint64 id overflow", map[string]any{"id": uint64(math.MaxUint64)}, "dubbo: invalid head: field id: event: bad field value: 18446744073709551615 is not a 64-bit integer"},
		{"object id", map[string]any{"id": []any{}}, "dubbo: invalid head: field id: event: bad field value: []interface {} is not a number"},
		{"status too big", map[string]any{"status": 256}, "dubbo: invalid head: field status: event: bad field value: 256 out of range 0-255"},
		{"negative status", map[string]any{"status": -1}, "dubbo: invalid head: field status: event: bad field value: -1 out of range 0-255"},
		{"serialization too big", map[string]any{"serialization": 32}, "dubbo: invalid head: field serialization: event: bad field value: 32 out of range 0-31"},
		{"flag not bool", map[string]any{"isTwoWay": "maybe"}, `dubbo: invalid head: field isTwoWay: event: bad field value: "maybe" is not a boolean`},
		{"bad *Head status", &Head{Status: 300}, "dubbo: invalid head: status 300 out of range 0-255"},
		{"bad Head serialization", Head{Serialization: 40}, "dubbo: invalid head: serialization 40 out of range 0-31"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, err := HeadOf(tc.in)
			assert.Nil(t, h)
			require.ErrorIs(t, err, ErrInvalidHead)
			assert.EqualError(t, err, tc.msg)
		})
	}
}

func TestHeadString(t *testing.T) {
	cases := []struct {
		h    *Head
		want string
	}{
		{&Head{ID: 7, IsRequest: true, IsTwoWay: true, Serialization: 2}, "dubbo request id=7 two-way serialization=2"},
		{&Head{ID: 7, Status: 20, Serialization: 2}, "dubbo response id=7 status=20 serialization=2"},
		{&Head{ID: -1, IsRequest: true, IsEvent: true, Status: 3}, "dubbo request id=-1 event status=3 serialization=0"},
		{&Head{}, "dubbo response id=0 status=0 serialization=0"},
		{nil, "dubbo <nil head>"},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, tc.h.String())
	}
}
