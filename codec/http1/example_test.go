package http1_test

import (
	"errors"
	"fmt"
	"net"

	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/event"
)

// A request decoder turns bytes, split anywhere, into message events.
func ExampleDecoder() {
	d := http1.NewRequestDecoder(http1.Options{})
	print := func(e event.Event) {
		switch e := e.(type) {
		case *event.MessageStart:
			h := e.Head.(*http1.RequestHead)
			fmt.Println("start:", h.Method, h.Path, h.Headers.Get("Host"))
		case *event.Data:
			fmt.Printf("body: %q\n", e.String())
		case *event.MessageEnd:
			fmt.Println("end")
		}
	}
	for _, piece := range []string{"POST /upload HTTP/1.1\r\nHo", "st: example.com\r\nContent-Length: 5\r\n\r\nhel", "lo"} {
		if err := d.Decode(event.FromString(piece), print); err != nil {
			fmt.Println(err)
		}
	}
	err := d.Decode(event.FromString("GET / HTTP/1.1\r\nHost : x\r\n\r\n"), print)
	var se *http1.SyntaxError
	if errors.As(err, &se) {
		fmt.Println(se, "- answer with", se.Status)
	}
	// Output:
	// start: POST /upload example.com
	// body: "hel"
	// body: "lo"
	// end
	// http1: whitespace before colon in header field at byte 88 - answer with 400
}

// A response head is written with the framing its body needs.
func ExampleWriteResponseHead() {
	out := new(event.Data)
	head := &http1.ResponseHead{Status: 404, Headers: http1.Headers{{Name: "content-type", Value: "text/plain"}}}
	framing, err := http1.WriteResponseHead(out, head, http1.UnknownLength)
	if err != nil {
		panic(err)
	}
	if framing == http1.FramingChunked {
		http1.WriteChunk(out, event.FromString("not here"))
		_ = http1.WriteLastChunk(out, nil)
	}
	fmt.Printf("%q\n", out.String())
	// Output:
	// "HTTP/1.1 404 Not Found\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n8\r\nnot here\r\n0\r\n\r\n"
}

// Scripts supply heads as maps, read by field name; missing fields get
// Pipy's defaults.
func ExampleResponseHeadOf() {
	h, err := http1.ResponseHeadOf(map[string]any{
		"status":  int64(201),
		"headers": map[string]any{"Location": "/items/7"},
	})
	fmt.Println(h, err)
	// Output:
	// HTTP/1.1 201 Created {location: /items/7} <nil>
}

// A proxy records who sent a request before passing it on: one line in an
// onMessageStart after decodeHttpRequest.
func ExampleRequestHead_AddForwarded() {
	h := &http1.RequestHead{Method: "GET", Path: "/", Headers: http1.Headers{{Name: "x-forwarded-for", Value: "203.0.113.9"}}}
	h.AddForwarded(&net.TCPAddr{IP: net.IPv4(10, 0, 0, 7), Port: 40000}, "https")
	fmt.Println(h.Headers)
	// Output: {x-forwarded-for: 203.0.113.9, 10.0.0.7, x-forwarded-proto: https}
}
