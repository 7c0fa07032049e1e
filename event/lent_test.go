package event

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Whatever shares a lent Data's chunks is marked lent too, so that Own
// copies it; Data made otherwise is not.
func TestLentMarkTravelsWithChunks(t *testing.T) {
	var l Loan
	buf := []byte("GET / HTTP/1.1\r\n\r\nbody")
	in := l.Lend(buf)
	require.True(t, in.Lent())
	assert.False(t, FromCopy(buf).Lent())
	assert.False(t, FromBytes(buf).Lent())

	clone := in.Clone()
	pushed := FromString("x")
	pushed.PushData(in)
	var shifted Data
	in.ShiftTo(4, &shifted)
	part := in.Shift(3)
	rest := &Data{}
	in.ShiftTo(in.Len(), rest) // the whole rest: the chunks move over
	for name, d := range map[string]*Data{"clone": clone, "PushData": pushed, "ShiftTo": &shifted, "Shift": part, "ShiftTo all": rest} {
		assert.True(t, d.Lent(), name)
	}
	assert.False(t, in.Lent(), "an emptied Data lends nothing")

	for _, d := range []*Data{clone, pushed, &shifted, part, rest} {
		want := d.String()
		d.Own()
		assert.False(t, d.Lent())
		assert.Equal(t, want, d.String())
	}
	l.End()
	for i := range buf {
		buf[i] = '#' // the socket's next read
	}
	assert.Equal(t, "GET / HTTP/1.1\r\n\r\nbody", clone.String())
	assert.Equal(t, "xGET / HTTP/1.1\r\n\r\nbody", pushed.String())
	assert.Equal(t, "GET ", shifted.String())
	assert.Equal(t, "/ H", part.String())
	assert.Equal(t, "TTP/1.1\r\n\r\nbody", rest.String())
}

// Own leaves a Data that owns its bytes alone, and Push into an owned copy
// works as on any Data.
func TestOwnOnlyCopiesLent(t *testing.T) {
	d := FromString("abc")
	c := d.Chunks()[0]
	d.Own()
	assert.Same(t, &c[0], &d.Chunks()[0][0], "not lent: not copied")

	var l Loan
	var e Data // a Data of the borrower's: the lent one itself goes back
	e.PushData(l.Lend([]byte("abc")))
	e.Own()
	e.PushString("def")
	l.End()
	assert.Equal(t, "abcdef", e.String())

	var empty Data
	empty.Own()
	assert.True(t, empty.Empty())
}

// End takes the Data back: reused for the next read, or, under the
// lentcheck tag, poisoned so that a holder that broke the rule reads
// garbage.
func TestLoanEnd(t *testing.T) {
	var l Loan
	assert.True(t, l.End(), "nothing lent")
	buf := []byte("hello")
	d := l.Lend(buf)
	reuse := l.End()
	if LentCheck {
		assert.False(t, reuse)
		assert.Equal(t, "\xdb\xdb\xdb\xdb\xdb", string(buf))
		assert.Equal(t, "\xdb\xdb\xdb\xdb\xdb", d.String())
		assert.NotSame(t, d, l.Lend(buf), "a new Data each time")
		return
	}
	assert.True(t, reuse)
	assert.True(t, d.Empty())
	assert.Same(t, d, l.Lend(buf), "the same Data each time")
	assert.Equal(t, "hello", d.String())
}

// OwnIn copies into the room it is given when the bytes fit, and owns them
// like Own otherwise.
func TestOwnIn(t *testing.T) {
	room := make([]byte, 0, 8)
	var l Loan
	var small, big, owned Data
	small.PushData(l.Lend([]byte("hello")))
	assert.True(t, small.OwnIn(room))
	assert.Same(t, &room[:1][0], &small.Chunks()[0][0], "copied into room")
	big.PushData(l.Lend([]byte("more than eight")))
	assert.False(t, big.OwnIn(room))
	assert.False(t, big.Lent())
	owned.PushString("x")
	assert.False(t, owned.OwnIn(room), "not lent: room not used")
	l.End()
	assert.Equal(t, "hello", small.String())
	assert.Equal(t, "more than eight", big.String())
}
