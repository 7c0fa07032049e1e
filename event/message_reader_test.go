package event

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMessageReaderAssembles(t *testing.T) {
	var r MessageReader
	for _, e := range []Event{FromString("loose"), &MessageEnd{}, &MessageStart{Head: "h"}, FromString("ab"), FromString("c")} {
		msg, err := r.Read(e)
		require.NoError(t, err, "Read(%v)", e)
		require.Nil(t, msg, "Read(%v)", e)
	}
	require.True(t, r.InMessage(), "in a message after MessageStart")
	msg, err := r.Read(&MessageEnd{Tail: "t"})
	require.NoError(t, err)
	require.NotNil(t, msg)
	require.Equal(t, "h", msg.Head)
	require.Equal(t, "abc", msg.Body.String())
	require.Equal(t, "t", msg.Tail)
	require.False(t, r.InMessage())
	// A bodiless message has an empty body, not nil; a SessionEnd drops an
	// unfinished one.
	r.Read(&MessageStart{})
	msg, _ = r.Read(&MessageEnd{})
	require.NotNil(t, msg, "bodiless")
	require.NotNil(t, msg.Body, "bodiless")
	require.Zero(t, msg.Body.Len(), "bodiless")
	r.Read(&MessageStart{})
	r.Read(&SessionEnd{})
	require.False(t, r.InMessage(), "SessionEnd left a message")
}

func TestMessageReaderBound(t *testing.T) {
	r := MessageReader{MaxBodySize: 4}
	r.Read(&MessageStart{})
	_, err := r.Read(FromString("abcd"))
	require.NoError(t, err, "at the bound")
	_, err = r.Read(FromString("e"))
	require.ErrorIs(t, err, ErrBodyTooLarge, "past the bound")
	require.False(t, r.InMessage(), "past the bound")
	// The default bound is 16 MiB; a negative bound is none.
	var d MessageReader
	d.Read(&MessageStart{})
	big := FromBytes(make([]byte, DefaultMaxBodySize))
	_, err = d.Read(big)
	require.NoError(t, err, "default at 16 MiB")
	_, err = d.Read(FromString("x"))
	require.ErrorIs(t, err, ErrBodyTooLarge, "default past 16 MiB")
	u := MessageReader{MaxBodySize: -1}
	u.Read(&MessageStart{})
	u.Read(big)
	_, err = u.Read(FromString("x"))
	require.NoError(t, err, "unbounded")
}

// A message Read collects costs one allocation, its body included.
func TestMessageReaderAllocations(t *testing.T) {
	var r MessageReader
	start, body, end := &MessageStart{Head: "h"}, FromString("body"), &MessageEnd{}
	var got *Message
	allocs := testing.AllocsPerRun(100, func() {
		r.Read(start)
		r.Read(body)
		got, _ = r.Read(end)
	})
	if allocs > 1 {
		t.Errorf("a collected message allocates %v times, more than once", allocs)
	}
	if got == nil || got.Head != "h" || got.Body.String() != "body" {
		t.Errorf("collected %+v", got)
	}
}

func TestMessageReaderHeadOnly(t *testing.T) {
	r := MessageReader{HeadOnly: true, MaxBodySize: 2}
	for _, e := range []Event{&MessageStart{Head: "h"}, FromString("more than two bytes")} {
		msg, err := r.Read(e)
		require.NoError(t, err, "no bound applies to a body that is not kept: Read(%v)", e)
		require.Nil(t, msg)
	}
	msg, err := r.Read(&MessageEnd{Tail: "t"})
	require.NoError(t, err)
	require.Equal(t, "h", msg.Head)
	require.Equal(t, "t", msg.Tail)
	require.True(t, msg.Body.Empty(), "no body is collected")
	start, data, end := &MessageStart{Head: "h"}, FromString("x"), &MessageEnd{}
	allocs := testing.AllocsPerRun(100, func() {
		r.Read(start)
		r.Read(data)
		if m, _ := r.Read(end); m == nil || !m.Body.Empty() {
			t.Fatal("no message, or a body")
		}
	})
	require.Zero(t, allocs, "the reader's own message is reused")
}
