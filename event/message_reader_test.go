package event

import (
	"errors"
	"testing"
)

func TestMessageReaderAssembles(t *testing.T) {
	var r MessageReader
	for _, e := range []Event{FromString("loose"), &MessageEnd{}, &MessageStart{Head: "h"}, FromString("ab"), FromString("c")} {
		if msg, err := r.Read(e); msg != nil || err != nil {
			t.Fatalf("Read(%v) = %v, %v", e, msg, err)
		}
	}
	if !r.InMessage() {
		t.Fatal("not in a message after MessageStart")
	}
	msg, err := r.Read(&MessageEnd{Tail: "t"})
	if err != nil || msg == nil || msg.Head != "h" || msg.Body.String() != "abc" || msg.Tail != "t" || r.InMessage() {
		t.Fatalf("got %v, %v", msg, err)
	}
	// A bodiless message has an empty body, not nil; a SessionEnd drops an
	// unfinished one.
	r.Read(&MessageStart{})
	if msg, _ := r.Read(&MessageEnd{}); msg == nil || msg.Body == nil || msg.Body.Len() != 0 {
		t.Fatalf("bodiless: %v", msg)
	}
	r.Read(&MessageStart{})
	r.Read(&SessionEnd{})
	if r.InMessage() {
		t.Fatal("SessionEnd left a message")
	}
}

func TestMessageReaderBound(t *testing.T) {
	r := MessageReader{MaxBodySize: 4}
	r.Read(&MessageStart{})
	if _, err := r.Read(FromString("abcd")); err != nil {
		t.Fatalf("at the bound: %v", err)
	}
	if _, err := r.Read(FromString("e")); !errors.Is(err, ErrBodyTooLarge) || r.InMessage() {
		t.Fatalf("past the bound: %v (in message %v)", err, r.InMessage())
	}
	// The default bound is 16 MiB; a negative bound is none.
	var d MessageReader
	d.Read(&MessageStart{})
	big := FromBytes(make([]byte, DefaultMaxBodySize))
	if _, err := d.Read(big); err != nil {
		t.Fatalf("default at 16 MiB: %v", err)
	}
	if _, err := d.Read(FromString("x")); !errors.Is(err, ErrBodyTooLarge) {
		t.Fatalf("default past 16 MiB: %v", err)
	}
	u := MessageReader{MaxBodySize: -1}
	u.Read(&MessageStart{})
	u.Read(big)
	if _, err := u.Read(FromString("x")); err != nil {
		t.Fatalf("unbounded: %v", err)
	}
}
