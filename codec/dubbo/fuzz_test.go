package dubbo

import (
	"bytes"
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzDecode checks, for any input, that the decoder does not panic, keeps
// the event grammar, gives the same messages and error whatever the split of
// the input, and that its messages encode back to exactly the bytes they came
// from and decode again to the same messages.
func FuzzDecode(f *testing.F) {
	f.Add(frame(0xc2, 0, 1, "hello"), uint16(1))
	f.Add(cat(frame(0xc2, 0, 1, "a"), frame(0x02, 20, 1, "bc")), uint16(3))
	f.Add(frame(0xe2, 0, 0, ""), uint16(0))
	f.Add([]byte("GET / HTTP/1.1\r\n"), uint16(2))
	f.Fuzz(func(t *testing.T, in []byte, chunk uint16) {
		opts := Options{MaxBodySize: 1 << 12}
		whole, err1 := decodeParts(t, opts, in)

		var parts [][]byte
		step := int(chunk)%(len(in)+1) + 1
		for i := 0; i < len(in); i += step {
			parts = append(parts, in[i:min(i+step, len(in))])
		}
		split, err2 := decodeParts(t, opts, parts...)
		require.Equal(t, whole, split, "split every %d bytes", step)
		if err1 == nil {
			require.NoError(t, err2)
		} else {
			require.EqualError(t, err2, err1.Error())
		}

		// Encode the complete messages: the result must be the input's
		// prefix they were decoded from.
		wire := event.NewData()
		for _, m := range whole {
			require.NoError(t, AppendFrame(wire, &m.Head, event.FromString(m.Body)))
		}
		enc := wire.Bytes()
		require.True(t, bytes.HasPrefix(in, enc), "re-encoding must reproduce the input")

		again, err := decodeParts(t, opts, enc)
		require.NoError(t, err)
		if len(whole) == 0 {
			assert.Empty(t, again)
		} else {
			assert.Equal(t, whole, again)
		}
	})
}
