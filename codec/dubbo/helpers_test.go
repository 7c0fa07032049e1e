package dubbo

import (
	"encoding/binary"
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/stretchr/testify/require"
)

// frame builds a frame by hand, independently of the encoder.
func frame(flags, status byte, id int64, body string) []byte {
	b := make([]byte, HeaderSize, HeaderSize+len(body))
	b[0], b[1], b[2], b[3] = 0xda, 0xbb, flags, status
	binary.BigEndian.PutUint64(b[4:], uint64(id))
	binary.BigEndian.PutUint32(b[12:], uint32(len(body)))
	return append(b, body...)
}

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// msg is a decoded message in comparable form.
type msg struct {
	Head Head
	Body string
}

// collector checks the event grammar as events arrive and assembles messages.
type collector struct {
	t    testing.TB
	msgs []msg
	cur  *msg
	body []byte
}

func (c *collector) emit(e event.Event) {
	c.t.Helper()
	switch e := e.(type) {
	case *event.MessageStart:
		require.Nil(c.t, c.cur, "MessageStart inside a message")
		require.IsType(c.t, &Head{}, e.Head, "MessageStart head")
		h := e.Head.(*Head)
		c.cur = &msg{Head: *h}
		c.body = c.body[:0]
	case *event.Data:
		require.NotNil(c.t, c.cur, "Data outside a message")
		require.NotZero(c.t, e.Len(), "empty Data event")
		c.body = e.AppendTo(c.body)
	case *event.MessageEnd:
		require.NotNil(c.t, c.cur, "MessageEnd outside a message")
		c.cur.Body = string(c.body)
		c.msgs = append(c.msgs, *c.cur)
		c.cur = nil
	default:
		require.Failf(c.t, "unexpected event", "%v", e)
	}
}

// decodeParts feeds the parts to a new decoder, one Decode call each, and
// returns the complete messages and the first error. It checks that every
// call consumes its whole input when it succeeds.
func decodeParts(t testing.TB, o Options, parts ...[]byte) ([]msg, error) {
	t.Helper()
	d := NewDecoder(o)
	c := &collector{t: t}
	for _, p := range parts {
		in := event.FromBytes(p)
		if err := d.Decode(in, c.emit); err != nil {
			return c.msgs, err
		}
		require.Zero(t, in.Len(), "Decode left bytes unconsumed")
	}
	return c.msgs, nil
}

// bytewise splits b into one-byte slices.
func bytewise(b []byte) [][]byte {
	out := make([][]byte, len(b))
	for i := range b {
		out[i] = b[i : i+1]
	}
	return out
}
