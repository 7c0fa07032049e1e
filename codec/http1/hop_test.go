package http1

import (
	"errors"
	"strings"
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
)

// A request proxied through decodeHttpRequest → encodeHttpRequest loses its
// hop-by-hop fields (RFC 9110 section 7.6.1) and keeps the others.
func TestHopByHopRequestFieldsDropped(t *testing.T) {
	h := pipelinetest.Of(t, DecodeRequest(), EncodeRequest(nil))
	h.InputString("GET /a HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, X-Secret, Host\r\nKeep-Alive: timeout=5\r\n" +
		"TE: trailers\r\nUpgrade: h2c\r\nProxy-Connection: keep-alive\r\nX-Secret: 1\r\nProxy-Authorization: Basic eA==\r\nX-End: 2\r\n\r\n")
	got := h.OutputString()
	want := "GET /a HTTP/1.1\r\nhost: x\r\nproxy-authorization: Basic eA==\r\nx-end: 2\r\n\r\n"
	if got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}

// The decoded head scripts see has no hop-by-hop fields either, and a
// response loses them on its way back.
func TestHopByHopResponseFieldsDropped(t *testing.T) {
	h := pipelinetest.Of(t, DecodeResponse(), EncodeResponse(nil))
	h.InputString("HTTP/1.1 200 OK\r\nConnection: x-trace\r\nX-Trace: 1\r\nKeep-Alive: timeout=5\r\nUpgrade: h2c\r\n" +
		"Proxy-Authenticate: Basic\r\nContent-Length: 2\r\n\r\nok")
	want := "HTTP/1.1 200 OK\r\nproxy-authenticate: Basic\r\ncontent-length: 2\r\n\r\nok"
	if got := h.OutputString(); got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}

// An upgrade asked for (Connection: upgrade and an Upgrade field) keeps both
// fields, so scripts see it and WebSocket passes a proxy; the 101 answering
// it keeps them too.
func TestHopByHopUpgradeKept(t *testing.T) {
	h := pipelinetest.Of(t, DecodeRequest())
	h.InputString("GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, X-A\r\nUpgrade: websocket\r\nX-A: 1\r\nSec-WebSocket-Key: k\r\n\r\n")
	head := h.Messages()[0].Head.(*RequestHead)
	if got := head.Headers.String(); got != "{host: x, connection: Upgrade, X-A, upgrade: websocket, sec-websocket-key: k}" {
		t.Fatalf("request headers %s", got)
	}

	h = pipelinetest.Of(t, DecodeResponse(), EncodeResponse(nil))
	h.InputString("HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: a\r\n\r\n")
	got := h.OutputString()
	if !strings.Contains(got, "connection: upgrade\r\n") || !strings.Contains(got, "upgrade: websocket\r\n") {
		t.Fatalf("101 lost its upgrade: %q", got)
	}
	// A response that is not a 101 makes no upgrade.
	h = pipelinetest.Of(t, DecodeResponse())
	h.InputString("HTTP/1.1 426 Upgrade Required\r\nConnection: upgrade\r\nUpgrade: websocket\r\nContent-Length: 0\r\n\r\n")
	if got := h.Messages()[0].Head.(*ResponseHead).Headers.String(); got != "{}" {
		t.Fatalf("426 headers %s", got)
	}
}

// decodeHttpRequest with MaxBodySize refuses a declared body over the limit
// before the request goes on, and a chunked one as soon as its chunk sizes
// exceed it; the client gets a 413 and the connection closes.
func TestMaxBodySize(t *testing.T) {
	dec := &DecodeRequestFilter{Options: Options{MaxBodySize: 10}}
	for _, c := range []struct{ name, raw string }{
		{"content-length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n"},
		{"chunked", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n5\r\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := pipelinetest.Of(t, dec, EncodeResponse(nil))
			h.InputString(c.raw)
			got := h.OutputString()
			if !strings.HasPrefix(got, "HTTP/1.1 413 ") || !strings.Contains(strings.ToLower(got), "connection: close") {
				t.Fatalf("got %q", got)
			}
			se := h.SessionEnd()
			if se == nil || se.Err != event.ProtocolError || !errors.Is(se.Cause, ErrBodyTooLarge) {
				t.Fatalf("session end %v", se)
			}
		})
	}
	// At the limit, both pass.
	h := pipelinetest.Of(t, dec)
	h.InputString("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789" +
		"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n4\r\nghij\r\n0\r\n\r\n").End()
	if msgs := h.Messages(); len(msgs) != 2 || msgs[1].Body.String() != "abcdefghij" {
		t.Fatalf("got %s", pipelinetest.Dump(h.Output()))
	}
}
