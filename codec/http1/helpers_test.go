package http1

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/sluice-go/sluice/event"
)

// msg is one decoded message, flattened for comparison.
type msg struct {
	Head     string // the head's String()
	Req      *RequestHead
	Resp     *ResponseHead
	Body     string
	Tail     string
	TailH    Headers
	Complete bool // its MessageEnd was seen
}

// result is everything a decoder produced for one stream.
type result struct {
	Msgs   []msg
	Tunnel string // Data outside messages
	Err    error
}

func (r result) String() string {
	var b strings.Builder
	for _, m := range r.Msgs {
		fmt.Fprintf(&b, "  %s body=%q tail=%s complete=%v\n", m.Head, m.Body, m.Tail, m.Complete)
	}
	if r.Tunnel != "" {
		fmt.Fprintf(&b, "  tunnel=%q\n", r.Tunnel)
	}
	fmt.Fprintf(&b, "  err=%v", r.Err)
	return b.String()
}

// collector checks the event grammar and builds a result.
type collector struct {
	t   testing.TB
	res result
	in  bool
}

func (c *collector) emit(e event.Event) {
	switch e := e.(type) {
	case *event.MessageStart:
		if c.in {
			c.t.Fatalf("MessageStart inside a message")
		}
		c.in = true
		m := msg{Head: fmt.Sprint(e.Head)}
		switch h := e.Head.(type) {
		case *RequestHead:
			m.Req = h
		case *ResponseHead:
			m.Resp = h
		default:
			c.t.Fatalf("unexpected head type %T", e.Head)
		}
		c.res.Msgs = append(c.res.Msgs, m)
	case *event.Data:
		if e.Len() == 0 {
			c.t.Fatalf("empty Data emitted")
		}
		if c.in {
			c.res.Msgs[len(c.res.Msgs)-1].Body += e.String()
		} else {
			c.res.Tunnel += e.String()
		}
	case *event.MessageEnd:
		if !c.in {
			c.t.Fatalf("MessageEnd outside a message")
		}
		c.in = false
		m := &c.res.Msgs[len(c.res.Msgs)-1]
		m.Complete = true
		if e.Tail != nil {
			hs, ok := e.Tail.(Headers)
			if !ok {
				c.t.Fatalf("unexpected tail type %T", e.Tail)
			}
			m.Tail = hs.String()
			m.TailH = hs
		}
	default:
		c.t.Fatalf("unexpected event %T", e)
	}
}

// decodePieces feeds the pieces to a new decoder, then ends it when end is
// set. It stops at the first error.
func decodePieces(t testing.TB, response bool, opts Options, pieces [][]byte, end bool) result {
	t.Helper()
	var d *Decoder
	if response {
		d = NewResponseDecoder(opts)
	} else {
		d = NewRequestDecoder(opts)
	}
	c := &collector{t: t}
	for _, p := range pieces {
		in := event.FromBytes(p)
		err := d.Decode(in, c.emit)
		if in.Len() != 0 {
			t.Fatalf("Decode left %d bytes", in.Len())
		}
		if err != nil {
			c.res.Err = err
			checkSticky(t, d, err)
			return c.res
		}
	}
	if end {
		if err := d.End(c.emit); err != nil {
			c.res.Err = err
			checkSticky(t, d, err)
		}
	}
	return c.res
}

// checkSticky checks that a failed decoder keeps failing the same way.
func checkSticky(t testing.TB, d *Decoder, err error) {
	t.Helper()
	if err2 := d.Decode(event.FromString("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), func(event.Event) {
		t.Fatalf("failed decoder emitted an event")
	}); err2 != err {
		t.Fatalf("failed decoder returned %v, then %v", err, err2)
	}
}

// eachSplit calls f with each way of feeding raw that tests compare: whole,
// one byte at a time, and two pieces split at every offset. It stops when f
// returns false.
//
// Inputs longer than 16 KiB (the oversized-head cases) are split at every
// offset near a line end, near either end and near the default limits, and
// at every 251st offset elsewhere: the offsets left out fall in long runs of
// one repeated byte, where every split point behaves alike, and feeding all
// of them would make the test minutes long.
func eachSplit(raw []byte, f func(pieces [][]byte) bool) {
	if !f([][]byte{raw}) {
		return
	}
	bytewise := make([][]byte, len(raw))
	for i := range raw {
		bytewise[i] = raw[i : i+1]
	}
	if !f(bytewise) {
		return
	}
	var near []bool
	if len(raw) > 16<<10 {
		near = make([]bool, len(raw)+1)
		mark := func(p int) {
			for i := max(p-64, 0); i <= min(p+64, len(raw)); i++ {
				near[i] = true
			}
		}
		mark(0)
		mark(len(raw))
		mark(DefaultMaxLineSize)
		mark(DefaultMaxHeadSize)
		for i, c := range raw {
			if c == '\n' {
				mark(i)
			}
		}
	}
	pair := make([][]byte, 2)
	for i := 1; i < len(raw); i++ {
		if near != nil && !near[i] && i%251 != 0 {
			continue
		}
		pair[0], pair[1] = raw[:i], raw[i:]
		if !f(pair) {
			return
		}
	}
}

// sameResult reports whether two results are equal: same messages, same
// tunnel bytes, same error.
func sameResult(a, b result) bool {
	if !reflect.DeepEqual(flatten(a.Msgs), flatten(b.Msgs)) || a.Tunnel != b.Tunnel {
		return false
	}
	return sameError(a.Err, b.Err)
}

func flatten(ms []msg) []msg {
	out := make([]msg, len(ms))
	for i, m := range ms {
		out[i] = msg{Head: m.Head, Body: m.Body, Tail: m.Tail, Complete: m.Complete}
	}
	return out
}

func sameError(a, b error) bool {
	if a == nil || b == nil {
		return a == b
	}
	var sa, sb *SyntaxError
	if errors.As(a, &sa) && errors.As(b, &sb) {
		return *sa == *sb
	}
	return a.Error() == b.Error()
}
