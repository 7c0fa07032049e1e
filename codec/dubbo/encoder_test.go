package dubbo

import (
	"math"
	"strings"
	"testing"
	"unsafe"

	"github.com/sluice-go/sluice/event"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAppendFrame(t *testing.T) {
	cases := []struct {
		name string
		head Head
		body string
		want []byte
	}{
		{"two-way request", Head{ID: 1, IsRequest: true, IsTwoWay: true, Serialization: 2}, "hello", frame(0xc2, 0, 1, "hello")},
		{"response", Head{ID: 77, Status: 70, Serialization: 2}, "oops", frame(0x02, 70, 77, "oops")},
		{"event, empty body", Head{ID: 9, IsRequest: true, IsEvent: true, Serialization: 2}, "", frame(0xa2, 0, 9, "")},
		{"every bit", Head{ID: -1, Status: 255, IsRequest: true, IsTwoWay: true, IsEvent: true, Serialization: 31}, "x", frame(0xff, 0xff, -1, "x")},
		{"big id", Head{ID: 0x0102030405060708}, "", []byte{0xda, 0xbb, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := event.FromString("prefix")
			body := event.FromString(tc.body)
			require.NoError(t, AppendFrame(out, &tc.head, body))
			assert.Equal(t, "prefix"+string(tc.want), out.String())
			assert.Equal(t, tc.body, body.String(), "the body is left unchanged")
		})
	}
}

func TestAppendFrameNilBody(t *testing.T) {
	out := event.NewData()
	require.NoError(t, AppendFrame(out, &Head{ID: 4, IsRequest: true}, nil))
	assert.Equal(t, frame(0x80, 0, 4, ""), out.Bytes())
}

func TestAppendFrameSharesBody(t *testing.T) {
	b := []byte(strings.Repeat("q", 64))
	out := event.NewData()
	require.NoError(t, AppendFrame(out, &Head{}, event.FromBytes(b)))
	chunks := out.Chunks()
	require.Len(t, chunks, 2)
	assert.Equal(t, unsafe.Pointer(&b[0]), unsafe.Pointer(&chunks[1][0]), "the body must not be copied")
}

func TestAppendFrameInvalid(t *testing.T) {
	out := event.FromString("x")
	err := AppendFrame(out, &Head{Status: -2}, event.FromString("body"))
	require.ErrorIs(t, err, ErrInvalidHead)
	assert.Equal(t, "x", out.String(), "out is unchanged on error")
}

func TestAppendFrameBodyTooLarge(t *testing.T) {
	if math.MaxInt == math.MaxInt32 {
		t.Skip("int is 32 bits")
	}
	// A Data of more than 4 GiB that shares one chunk, so nothing is copied.
	chunk := make([]byte, event.ChunkSize)
	body := event.FromBytes(chunk)
	for body.Len() <= math.MaxUint32 {
		body.PushData(body)
	}
	out := event.NewData()
	err := AppendFrame(out, &Head{}, body)
	require.ErrorIs(t, err, ErrBodyTooLarge)
	assert.Equal(t, 0, out.Len())
}

func TestIDGen(t *testing.T) {
	var g IDGen
	assert.Equal(t, int64(1), g.Next())
	assert.Equal(t, int64(2), g.Next())
	g.last = math.MaxInt64 - 1
	assert.Equal(t, int64(math.MaxInt64), g.Next())
	assert.Equal(t, int64(1), g.Next(), "wraps to 1, never 0 or negative")
}

func TestEncoderHead(t *testing.T) {
	var e Encoder
	cases := []struct {
		name string
		head any
		want Head
	}{
		{"map without id gets the next id", map[string]any{"isRequest": true},
			Head{ID: 1, IsRequest: true, IsTwoWay: true, Serialization: 2}},
		{"nil head gets the next id", nil,
			Head{ID: 2, IsRequest: true, IsTwoWay: true, Serialization: 2}},
		{"map with id keeps it", map[string]any{"id": 0},
			Head{ID: 0, IsRequest: true, IsTwoWay: true, Serialization: 2}},
		{"Head keeps id 0", Head{IsRequest: true},
			Head{IsRequest: true}},
		{"map fields", map[string]any{"id": 5, "isRequest": false, "status": 30, "serialization": 3},
			Head{ID: 5, Status: 30, Serialization: 3}},
		{"string id", event.Fields{"id": "123"},
			Head{ID: 123, IsRequest: true, IsTwoWay: true, Serialization: 2}},
		{"*Head as is", &Head{ID: 8}, Head{ID: 8}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, err := e.Head(tc.head)
			require.NoError(t, err)
			assert.Equal(t, tc.want, *h)
		})
	}
}

func TestEncoderHeadErrors(t *testing.T) {
	var e Encoder
	_, err := e.Head(map[string]any{"status": "x"})
	assert.ErrorIs(t, err, ErrInvalidHead)
	_, err = e.Head(map[string]any{"isEvent": "yes"})
	assert.ErrorIs(t, err, ErrInvalidHead)
	_, err = e.Head(42)
	assert.ErrorIs(t, err, ErrInvalidHead)
	_, err = e.Head(&Head{Serialization: 32})
	assert.ErrorIs(t, err, ErrInvalidHead)
	assert.Equal(t, int64(1), e.IDs.Next(), "failed heads use no id")
}

func TestEncoderEncode(t *testing.T) {
	var e Encoder
	out := event.NewData()
	h1, err := e.Encode(out, map[string]any{"isRequest": true}, event.FromString("one"))
	require.NoError(t, err)
	h2, err := e.Encode(out, map[string]any{"isTwoWay": false}, nil)
	require.NoError(t, err)
	h3, err := e.Encode(out, &Head{ID: 1, Status: 20, Serialization: 2}, event.FromString("r"))
	require.NoError(t, err)
	assert.Equal(t, int64(1), h1.ID)
	assert.Equal(t, int64(2), h2.ID)
	assert.Equal(t, int64(1), h3.ID)
	assert.Equal(t, cat(frame(0xc2, 0, 1, "one"), frame(0x82, 0, 2, ""), frame(0x02, 20, 1, "r")), out.Bytes())

	_, err = e.Encode(out, map[string]any{"status": 1000}, nil)
	require.ErrorIs(t, err, ErrInvalidHead)
	assert.Equal(t, 3*HeaderSize+4, out.Len(), "out is unchanged on error")
}

func TestRoundTrip(t *testing.T) {
	heads := []Head{
		{ID: 0, IsRequest: true, IsTwoWay: true, Serialization: 2},
		{ID: 0, Status: StatusOK, Serialization: 2},
		{ID: math.MinInt64, IsRequest: true, IsEvent: true, Serialization: 31},
		{ID: math.MaxInt64, Status: 255},
	}
	bodies := []string{"", "a", strings.Repeat("body", 5000)}
	var e Encoder
	wire := event.NewData()
	var want []msg
	for _, h := range heads {
		for _, b := range bodies {
			_, err := e.Encode(wire, &h, event.FromString(b))
			require.NoError(t, err)
			want = append(want, msg{h, b})
		}
	}
	b := wire.Bytes()
	got, err := decodeParts(t, Options{}, b)
	require.NoError(t, err)
	assert.Equal(t, want, got)
	got, err = decodeParts(t, Options{}, bytewise(b)...)
	require.NoError(t, err)
	assert.Equal(t, want, got)
}
