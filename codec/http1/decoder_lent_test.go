package http1

import (
	"testing"

	"github.com/sluice-go/sluice/event"
)

// A Decoder fed lent Data (a socket's read buffer, event.Loan) keeps
// nothing of it: the bodies it emits (plain, chunked, to the end of the
// stream, through a tunnel) hold their bytes after the buffer is written
// over by the next read, whatever the split of the input.
func TestDecoderLentInput(t *testing.T) {
	cases := []struct {
		name     string
		response bool
		in       string
		body     string
	}{
		{name: "pipelined", in: "POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloPOST /b HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET / HTTP/1.1\r\n\r\n", body: "helloabc"},
		{name: "chunked", in: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n3\r\nabc\r\n0\r\nX-T: y\r\n\r\n", body: "helloabc"},
		{name: "until close", response: true, in: "HTTP/1.0 200 OK\r\n\r\nall of it", body: "all of it"},
		{name: "tunnel", in: "CONNECT x:1 HTTP/1.1\r\nHost: x:1\r\n\r\ntunnelled bytes", body: "tunnelled bytes"},
	}
	for _, c := range cases {
		for _, step := range []int{1, 3, 7, len(c.in)} {
			var dec *Decoder
			if c.response {
				dec = NewResponseDecoder(Options{})
			} else {
				dec = NewRequestDecoder(Options{})
			}
			var bodies []*event.Data
			var heads []string
			emit := func(evt event.Event) {
				switch e := evt.(type) {
				case *event.Data:
					bodies = append(bodies, e)
				case *event.MessageStart:
					if h, ok := e.Head.(*RequestHead); ok {
						heads = append(heads, h.Path)
					}
				case *event.MessageEnd:
					if dec.Method() == "CONNECT" {
						dec.Tunnel() // as a 200 answer switches it
					}
				}
			}
			var l event.Loan
			buf := make([]byte, step)
			for off := 0; off < len(c.in); off += step {
				n := copy(buf, c.in[off:min(off+step, len(c.in))])
				if err := dec.Decode(l.Lend(buf[:n]), emit); err != nil {
					t.Fatalf("%s/%d: %v", c.name, step, err)
				}
				l.End()
				for i := range buf {
					buf[i] = '#' // the next read
				}
			}
			if err := dec.End(emit); err != nil {
				t.Fatalf("%s/%d: end: %v", c.name, step, err)
			}
			got := ""
			for _, b := range bodies {
				if b.Lent() {
					t.Errorf("%s/%d: a body Data passed on is marked lent", c.name, step)
				}
				got += b.String()
			}
			if got != c.body {
				t.Errorf("%s/%d: bodies %q, want %q (heads %q)", c.name, step, got, c.body, heads)
			}
		}
	}
}

// A small body read lent with its head is copied into the room left in the
// head's block: a response costs one allocation, its block.
func TestDecoderLentBodyInHeadBlock(t *testing.T) {
	if event.LentCheck {
		t.Skip("the lentcheck tag allocates a Data per lent read")
	}
	const answer = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
	dec := NewResponseDecoder(Options{})
	var l event.Loan
	buf := []byte(answer)
	var body *event.Data
	emit := func(evt event.Event) {
		if d, ok := evt.(*event.Data); ok {
			body = d
		}
	}
	allocs := testing.AllocsPerRun(100, func() {
		if err := dec.Decode(l.Lend(buf), emit); err != nil {
			t.Fatal(err)
		}
		l.End()
	})
	if body == nil || body.String() != "hello" {
		t.Fatalf("body %v", body)
	}
	if allocs != 1 {
		t.Errorf("a lent small response allocates %v times, not once", allocs)
	}
}
