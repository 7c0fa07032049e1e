package http1

import (
	"net"
	"testing"
)

func TestAddForwarded(t *testing.T) {
	client := &net.TCPAddr{IP: net.ParseIP("10.0.0.7"), Port: 5555}
	h := &RequestHead{Method: "GET", Path: "/", Headers: Headers{{"host", "x"}}}
	h.AddForwarded(client, "http")
	if got := h.Headers.String(); got != "{host: x, x-forwarded-for: 10.0.0.7, x-forwarded-proto: http}" {
		t.Fatalf("fresh: %s", got)
	}
	// An existing list is appended to (the last field, when repeated); an
	// existing proto is replaced.
	h = &RequestHead{Headers: Headers{{"X-Forwarded-For", "1.1.1.1"}, {"x-forwarded-for", "2.2.2.2"}, {"x-forwarded-proto", "https"}}}
	h.AddForwarded(&net.TCPAddr{IP: net.ParseIP("::1"), Port: 1}, "http")
	if got := h.Headers.String(); got != "{X-Forwarded-For: 1.1.1.1, x-forwarded-for: 2.2.2.2, ::1, x-forwarded-proto: http}" {
		t.Fatalf("appended: %s", got)
	}
	// No IP: nothing added; empty proto: left alone.
	h = &RequestHead{}
	h.AddForwarded(&net.UnixAddr{Name: "/tmp/s", Net: "unix"}, "")
	h.AddForwarded(nil, "")
	if len(h.Headers) != 0 {
		t.Fatalf("no address: %s", h.Headers)
	}
}
