package dubbo

import (
	"errors"
	"strings"
	"testing"
	"unsafe"

	"github.com/sluice-go/sluice/event"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var decodeCases = []struct {
	name    string
	in      []byte
	opts    Options
	want    []msg
	wantErr error  // matched with errors.Is
	errText string // exact error text when not empty
}{
	{
		name: "empty input",
	},
	{
		name: "two-way hessian request",
		in:   frame(0xc2, 0, 1, "hello"),
		want: []msg{{Head{ID: 1, IsRequest: true, IsTwoWay: true, Serialization: 2}, "hello"}},
	},
	{
		name: "response with status",
		in:   frame(0x02, StatusServiceError, 77, "oops"),
		want: []msg{{Head{ID: 77, Status: StatusServiceError, Serialization: 2}, "oops"}},
	},
	{
		name: "heartbeat event with empty body",
		in:   frame(0xe2, 0, 9, ""),
		want: []msg{{Head{ID: 9, IsRequest: true, IsTwoWay: true, IsEvent: true, Serialization: 2}, ""}},
	},
	{
		name: "all flag and serialization bits",
		in:   frame(0xff, 0xff, -1, "x"),
		want: []msg{{Head{ID: -1, Status: 255, IsRequest: true, IsTwoWay: true, IsEvent: true, Serialization: 31}, "x"}},
	},
	{
		name: "id uses all 64 bits",
		in:   frame(0x80, 0, 0x0102030405060708, ""),
		want: []msg{{Head{ID: 0x0102030405060708, IsRequest: true}, ""}},
	},
	{
		name: "pipelined frames",
		in:   cat(frame(0xc2, 0, 1, "a"), frame(0x82, 0, 2, ""), frame(0x02, 20, 1, "bcd")),
		want: []msg{
			{Head{ID: 1, IsRequest: true, IsTwoWay: true, Serialization: 2}, "a"},
			{Head{ID: 2, IsRequest: true, Serialization: 2}, ""},
			{Head{ID: 1, Status: 20, Serialization: 2}, "bcd"},
		},
	},
	{
		name: "body at the limit",
		in:   frame(0xc2, 0, 1, "12345678"),
		opts: Options{MaxBodySize: 8},
		want: []msg{{Head{ID: 1, IsRequest: true, IsTwoWay: true, Serialization: 2}, "12345678"}},
	},
	{
		name:    "body over the limit",
		in:      frame(0xc2, 0, 1, "123456789"),
		opts:    Options{MaxBodySize: 8},
		wantErr: ErrBodyTooLarge,
		errText: "dubbo: body too large: frame at byte 0 declares 9 bytes, limit 8",
	},
	{
		name:    "body over the default limit",
		in:      []byte{0xda, 0xbb, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0x80, 0, 1},
		wantErr: ErrBodyTooLarge,
		errText: "dubbo: body too large: frame at byte 0 declares 8388609 bytes, limit 8388608",
	},
	{
		name:    "length with the high bit set",
		in:      []byte{0xda, 0xbb, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff},
		opts:    Options{MaxBodySize: 1 << 40},
		wantErr: nil, // accepted: the length is unsigned; the body is simply still to come
	},
	{
		name:    "bad magic",
		in:      []byte("GET / HTTP/1.1\r\n\r\n"),
		wantErr: ErrBadMagic,
		errText: "dubbo: bad magic 0x4745 at byte 0",
	},
	{
		name:    "bad second magic byte",
		in:      []byte{0xda, 0xbc},
		wantErr: ErrBadMagic,
		errText: "dubbo: bad magic 0xdabc at byte 0",
	},
	{
		name:    "bad magic after a good frame",
		in:      cat(frame(0xc2, 0, 1, "abc"), []byte{0xbb, 0xda}),
		want:    []msg{{Head{ID: 1, IsRequest: true, IsTwoWay: true, Serialization: 2}, "abc"}},
		wantErr: ErrBadMagic,
		errText: "dubbo: bad magic 0xbbda at byte 19",
	},
	{
		name:    "too large after a good frame",
		in:      cat(frame(0x02, 20, 1, ""), frame(0x02, 20, 2, "abc")),
		opts:    Options{MaxBodySize: 2},
		want:    []msg{{Head{ID: 1, Status: 20, Serialization: 2}, ""}},
		wantErr: ErrBodyTooLarge,
		errText: "dubbo: body too large: frame at byte 16 declares 3 bytes, limit 2",
	},
}

func checkDecode(t *testing.T, got []msg, err error, want []msg, wantErr error, errText string) {
	t.Helper()
	assert.Equal(t, want, got)
	if wantErr == nil {
		require.NoError(t, err)
		return
	}
	require.ErrorIs(t, err, wantErr)
	if errText != "" {
		assert.EqualError(t, err, errText)
	}
}

func TestDecodeWhole(t *testing.T) {
	for _, tc := range decodeCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeParts(t, tc.opts, tc.in)
			checkDecode(t, got, err, tc.want, tc.wantErr, tc.errText)
		})
	}
}

func TestDecodeOneByteAtATime(t *testing.T) {
	for _, tc := range decodeCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeParts(t, tc.opts, bytewise(tc.in)...)
			checkDecode(t, got, err, tc.want, tc.wantErr, tc.errText)
		})
	}
}

func TestDecodeSplitAtEveryOffset(t *testing.T) {
	for _, tc := range decodeCases {
		t.Run(tc.name, func(t *testing.T) {
			for i := 0; i <= len(tc.in); i++ {
				for j := i; j <= len(tc.in); j++ {
					got, err := decodeParts(t, tc.opts, tc.in[:i], tc.in[i:j], tc.in[j:])
					checkDecode(t, got, err, tc.want, tc.wantErr, tc.errText)
				}
			}
		})
	}
}

func TestDecodeInputOfManyChunks(t *testing.T) {
	// One Data holding many small chunks, as a socket reader may produce.
	in := cat(frame(0xc2, 0, 1, "abcdef"), frame(0x02, 20, 1, "ghi"))
	data := event.NewData()
	for i := 0; i < len(in); i += 3 {
		data.PushData(event.FromBytes(in[i:min(i+3, len(in))]))
	}
	d := NewDecoder(Options{})
	c := &collector{t: t}
	require.NoError(t, d.Decode(data, c.emit))
	assert.Equal(t, 0, data.Len())
	assert.Equal(t, []msg{
		{Head{ID: 1, IsRequest: true, IsTwoWay: true, Serialization: 2}, "abcdef"},
		{Head{ID: 1, Status: 20, Serialization: 2}, "ghi"},
	}, c.msgs)
}

func TestDecodeEventSequence(t *testing.T) {
	d := NewDecoder(Options{})
	var kinds []string
	emit := func(e event.Event) { kinds = append(kinds, e.String()) }
	in := cat(frame(0xc2, 0, 5, "ab"), frame(0x22, 20, 6, ""))
	require.NoError(t, d.Decode(event.FromBytes(in[:17]), emit))
	require.NoError(t, d.Decode(event.FromBytes(in[17:]), emit))
	assert.Equal(t, []string{
		"MessageStart dubbo request id=5 two-way serialization=2",
		"a", // the body arrives as it comes
		"b",
		"MessageEnd",
		"MessageStart dubbo response id=6 event status=20 serialization=2",
		"MessageEnd",
	}, kinds)
}

func TestDecodeBodySharesInput(t *testing.T) {
	in := frame(0xc2, 0, 1, strings.Repeat("z", 100))
	d := NewDecoder(Options{})
	var bodies []*event.Data
	require.NoError(t, d.Decode(event.FromBytes(in), func(e event.Event) {
		if b, ok := e.(*event.Data); ok {
			bodies = append(bodies, b)
		}
	}))
	require.Len(t, bodies, 1)
	chunks := bodies[0].Chunks()
	require.Len(t, chunks, 1)
	assert.Equal(t, unsafe.Pointer(&in[HeaderSize]), unsafe.Pointer(&chunks[0][0]),
		"the body must share the input's memory, not copy it")
}

func TestDecoderStaysFailed(t *testing.T) {
	d := NewDecoder(Options{})
	err := d.Decode(event.FromString("xx"), func(event.Event) { t.Fatal("no event expected") })
	var se *SyntaxError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, int64(0), se.Offset)
	assert.Equal(t, "bad magic 0x7878", se.Msg)

	good := event.FromBytes(frame(0xc2, 0, 1, "a"))
	err2 := d.Decode(good, func(event.Event) { t.Fatal("a failed decoder must not emit") })
	assert.Same(t, err, err2)
	assert.Equal(t, HeaderSize+1, good.Len(), "a failed decoder consumes nothing")
	assert.Same(t, err, d.Finish())
}

func TestDecodeLeavesRestAfterError(t *testing.T) {
	in := cat(frame(0xc2, 0, 1, ""), []byte("garbage"))
	data := event.FromBytes(in)
	err := NewDecoder(Options{}).Decode(data, func(event.Event) {})
	require.ErrorIs(t, err, ErrBadMagic)
	// The offending header's bytes read so far are consumed, the rest is left.
	assert.Equal(t, "rbage", data.String())
}

func TestDecoderFinish(t *testing.T) {
	in := frame(0xc2, 0, 1, "abc")
	for i := 0; i <= len(in); i++ {
		d := NewDecoder(Options{})
		require.NoError(t, d.Decode(event.FromBytes(in[:i]), func(event.Event) {}))
		err := d.Finish()
		assert.Equal(t, int64(i), d.Offset())
		switch {
		case i == 0 || i == len(in):
			assert.NoError(t, err, "offset %d", i)
			assert.False(t, d.InMessage())
		case i < HeaderSize:
			assert.ErrorIs(t, err, ErrTruncated, "offset %d", i)
			assert.False(t, d.InMessage(), "offset %d", i)
		default:
			assert.ErrorIs(t, err, ErrTruncated, "offset %d", i)
			assert.True(t, d.InMessage(), "offset %d", i)
		}
	}
	d := NewDecoder(Options{})
	require.NoError(t, d.Decode(event.FromBytes(in[:17]), func(event.Event) {}))
	assert.EqualError(t, d.Finish(), "dubbo: input ended inside a frame: 2 body bytes missing at byte 17")
	d = NewDecoder(Options{})
	require.NoError(t, d.Decode(event.FromBytes(in[:5]), func(event.Event) {}))
	assert.EqualError(t, d.Finish(), "dubbo: input ended inside a frame: 11 header bytes missing at byte 5")
}

func TestSyntaxErrorByHand(t *testing.T) {
	e := &SyntaxError{Offset: 3, Msg: "odd"}
	assert.EqualError(t, e, "dubbo: odd at byte 3")
	assert.False(t, errors.Is(e, ErrBadMagic))
}
