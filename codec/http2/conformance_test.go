package http2_test

import (
	"bytes"
	"crypto/tls"
	"io"
	"testing"
	"time"

	sh2 "github.com/sluice-go/sluice/codec/http2"
	"github.com/sluice-go/sluice/internal/testnet"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// TestConformance checks RFC 9113 cases in the manner of h2spec: each
// sends frames on a fresh connection and expects a stream error
// (RST_STREAM) or a connection error (GOAWAY) of a code.
func TestConformance(t *testing.T) {
	addr, _ := serve(t, sh2.Options{})
	post := func(r *rawClient, id uint32, extra ...hpack.HeaderField) []byte {
		r.hbuf.Reset()
		for _, f := range append([]hpack.HeaderField{
			{Name: ":method", Value: "POST"}, {Name: ":scheme", Value: "http"}, {Name: ":path", Value: "/"},
		}, extra...) {
			require.NoError(t, r.henc.WriteField(f))
		}
		return bytes.Clone(r.hbuf.Bytes())
	}
	open := func(r *rawClient, id uint32, extra ...hpack.HeaderField) {
		require.NoError(t, r.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: post(r, id, extra...), EndHeaders: true}))
	}
	bad := func(r *rawClient, id uint32, fields ...hpack.HeaderField) {
		r.hbuf.Reset()
		for _, f := range fields {
			require.NoError(t, r.henc.WriteField(f))
		}
		require.NoError(t, r.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: r.hbuf.Bytes(), EndStream: true, EndHeaders: true}))
	}
	m, s, p := hpack.HeaderField{Name: ":method", Value: "GET"}, hpack.HeaderField{Name: ":scheme", Value: "http"}, hpack.HeaderField{Name: ":path", Value: "/"}
	for _, c := range []struct {
		name   string
		send   func(r *rawClient)
		stream bool // a stream error, else a connection error
		code   http2.ErrCode
	}{
		{"WINDOW_UPDATE over 2^31-1 on the connection", func(r *rawClient) {
			_ = r.fr.WriteWindowUpdate(0, 1<<31-1)
		}, false, http2.ErrCodeFlowControl},
		{"WINDOW_UPDATE over 2^31-1 on a stream", func(r *rawClient) {
			open(r, 1)
			_ = r.fr.WriteWindowUpdate(1, 1<<31-1)
		}, true, http2.ErrCodeFlowControl},
		{"SETTINGS_INITIAL_WINDOW_SIZE over 2^31-1", func(r *rawClient) {
			_ = r.fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1 << 31})
		}, false, http2.ErrCodeFlowControl},
		{"SETTINGS_ENABLE_PUSH 2", func(r *rawClient) {
			_ = r.fr.WriteSettings(http2.Setting{ID: http2.SettingEnablePush, Val: 2})
		}, false, http2.ErrCodeProtocol},
		{"SETTINGS_MAX_FRAME_SIZE too small", func(r *rawClient) {
			_ = r.fr.WriteSettings(http2.Setting{ID: http2.SettingMaxFrameSize, Val: 100})
		}, false, http2.ErrCodeProtocol},
		{"frame over the max frame size", func(r *rawClient) {
			open(r, 1)
			_ = r.fr.WriteData(1, false, make([]byte, 16385))
		}, false, http2.ErrCodeFrameSize},
		{"PUSH_PROMISE from a client", func(r *rawClient) {
			open(r, 1)
			_ = r.fr.WritePushPromise(http2.PushPromiseParam{StreamID: 1, PromiseID: 2, BlockFragment: post(r, 2), EndHeaders: true})
		}, false, http2.ErrCodeProtocol},
		{"DATA on an idle stream", func(r *rawClient) { _ = r.fr.WriteData(1, true, []byte("x")) }, false, http2.ErrCodeProtocol},
		{"content-length not matching DATA", func(r *rawClient) {
			open(r, 1, hpack.HeaderField{Name: "content-length", Value: "5"})
			_ = r.fr.WriteData(1, true, []byte("abc"))
		}, true, http2.ErrCodeProtocol},
		{"trailers with a pseudo-header", func(r *rawClient) {
			open(r, 1)
			bad(r, 1, hpack.HeaderField{Name: ":path", Value: "/"})
		}, true, http2.ErrCodeProtocol},
		{"trailers without END_STREAM", func(r *rawClient) {
			open(r, 1)
			_ = r.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: []byte{0x40, 1, 'x', 1, 'y'}, EndHeaders: true})
		}, true, http2.ErrCodeProtocol},
		{"TE other than trailers", func(r *rawClient) { bad(r, 1, m, s, p, hpack.HeaderField{Name: "te", Value: "gzip"}) }, true, http2.ErrCodeProtocol},
		{"connection-specific field", func(r *rawClient) { bad(r, 1, m, s, p, hpack.HeaderField{Name: "connection", Value: "keep-alive"}) }, true, http2.ErrCodeProtocol},
		{"no :path", func(r *rawClient) { bad(r, 1, m, s) }, true, http2.ErrCodeProtocol},
		{"empty :path", func(r *rawClient) { bad(r, 1, m, s, hpack.HeaderField{Name: ":path", Value: ""}) }, true, http2.ErrCodeProtocol},
		{"unknown pseudo-header", func(r *rawClient) { bad(r, 1, m, s, p, hpack.HeaderField{Name: ":foo", Value: "x"}) }, true, http2.ErrCodeProtocol},
		{":status in a request", func(r *rawClient) { bad(r, 1, m, s, p, hpack.HeaderField{Name: ":status", Value: "200"}) }, true, http2.ErrCodeProtocol},
		{"pseudo-header after a regular field", func(r *rawClient) { bad(r, 1, m, s, hpack.HeaderField{Name: "x", Value: "1"}, p) }, true, http2.ErrCodeProtocol},
		{"duplicate pseudo-header", func(r *rawClient) { bad(r, 1, m, s, p, p) }, true, http2.ErrCodeProtocol},
		{"HEADERS depending on itself", func(r *rawClient) {
			r.hbuf.Reset()
			for _, f := range []hpack.HeaderField{m, s, p} {
				require.NoError(t, r.henc.WriteField(f))
			}
			_ = r.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: r.hbuf.Bytes(), EndStream: true, EndHeaders: true,
				Priority: http2.PriorityParam{StreamDep: 1, Weight: 1}})
		}, true, http2.ErrCodeProtocol},
		{"PRIORITY depending on itself", func(r *rawClient) {
			_ = r.fr.WritePriority(1, http2.PriorityParam{StreamDep: 1})
		}, true, http2.ErrCodeProtocol},
		{"invalid HPACK index", func(r *rawClient) {
			_ = r.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: []byte{0xff, 0x7f}, EndStream: true, EndHeaders: true})
		}, false, http2.ErrCodeCompression},
		{"DATA after END_STREAM", func(r *rawClient) {
			open(r, 1)
			_ = r.fr.WriteData(1, true, nil)
			_ = r.fr.WriteData(1, true, []byte("x"))
		}, true, http2.ErrCodeStreamClosed},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := dialRaw(t, addr)
			c.send(r)
			var code http2.ErrCode
			var stream bool
			r.until("an error", func(f http2.Frame) bool {
				switch f := f.(type) {
				case *http2.RSTStreamFrame:
					code, stream = f.ErrCode, true
					return true
				case *http2.GoAwayFrame:
					code = f.ErrCode
					return true
				}
				return false
			})
			assert.Equal(t, c.code, code)
			assert.Equal(t, c.stream, stream, "stream error")
		})
	}
}

// TestDataBeyondTheWindow: one DATA frame larger than the 65535-byte
// windows (on a server taking large frames) is a FLOW_CONTROL_ERROR of the
// connection, whose window is spent first.
func TestDataBeyondTheWindow(t *testing.T) {
	addr, _ := serve(t, sh2.Options{MaxFrameSize: 1 << 20})
	r := dialRaw(t, addr)
	require.NoError(t, r.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: r.block("/"), EndHeaders: true}))
	_ = r.fr.WriteData(1, false, make([]byte, 70000))
	assert.Equal(t, http2.ErrCodeFlowControl, r.goaway())
}

// TestInvalidPrefaceAfterALPN: a TLS connection that agreed on h2 by ALPN
// and sends something other than the preface is refused as HTTP/2 refuses
// it, GOAWAY(PROTOCOL_ERROR) and a close, not answered as an HTTP/1 request
// (h2spec 3.5/2 over TLS).
func TestInvalidPrefaceAfterALPN(t *testing.T) {
	cert := testnet.NewCert(t, "sluice.test")
	addr, _ := serveTLS(t, &tls.Config{Certificates: []tls.Certificate{cert.TLS}, NextProtos: []string{"h2", "http/1.1"}}, sh2.Options{})
	c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: cert.Pool, ServerName: "localhost", NextProtos: []string{"h2"}})
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	require.Equal(t, "h2", c.ConnectionState().NegotiatedProtocol)
	_, err = io.WriteString(c, "INVALID CONNECTION PREFACE\r\n\r\n")
	require.NoError(t, err)
	got, err := io.ReadAll(c)
	require.NoError(t, err)
	fr := http2.NewFramer(nil, bytes.NewReader(got))
	var code http2.ErrCode = 255
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			require.ErrorIs(t, err, io.EOF, "not frames: %q", got)
			break
		}
		if g, ok := f.(*http2.GoAwayFrame); ok {
			code = g.ErrCode
		}
	}
	assert.Equal(t, http2.ErrCodeProtocol, code)
}
