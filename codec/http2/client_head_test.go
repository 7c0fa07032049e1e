package http2

import (
	"testing"

	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/event"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2/hpack"
)

func TestRequestFieldsFromHTTP1Head(t *testing.T) {
	h := &http1.RequestHead{Method: "POST", Path: "/p?q", Protocol: "HTTP/1.1", Headers: http1.Headers{
		{Name: "Host", Value: "example.com"}, {Name: "Connection", Value: "x-hop"}, {Name: "X-Hop", Value: "1"},
		{Name: "Keep-Alive", Value: "1"}, {Name: "TE", Value: "gzip, trailers"}, {Name: "Content-Length", Value: "5"},
		{Name: "Upgrade", Value: "h2c"}, {Name: "X-A", Value: "b"}, {Name: "Bad", Value: "a\nb"},
	}}
	fields, err := requestFields(h, "http", "up:80")
	require.NoError(t, err)
	assert.Equal(t, []hpack.HeaderField{
		{Name: ":method", Value: "POST"}, {Name: ":scheme", Value: "http"}, {Name: ":authority", Value: "example.com"},
		{Name: ":path", Value: "/p?q"}, {Name: "te", Value: "trailers"}, {Name: "x-a", Value: "b"},
	}, fields)

	// an h2 request's scheme and authority; no host at all: the target
	h2 := &http1.RequestHead{Method: "GET", Path: "/", Protocol: Protocol, Extra: event.Fields{"scheme": "https", "authority": "a.test"}}
	fields, err = requestFields(h2, "http", "up:80")
	require.NoError(t, err)
	assert.Equal(t, "https", fields[1].Value)
	assert.Equal(t, "a.test", fields[2].Value)
	fields, err = requestFields(event.Fields{"method": "GET", "path": "/x"}, "http", "up:80")
	require.NoError(t, err)
	assert.Equal(t, "up:80", fields[2].Value)
}

func TestResponseHeadOf(t *testing.T) {
	h, ok := responseHeadOf([]hpack.HeaderField{{Name: ":status", Value: "404"}, {Name: "content-length", Value: "3"}, {Name: "x", Value: "y"}})
	require.True(t, ok)
	assert.Equal(t, 404, h.Status)
	assert.Equal(t, http1.Headers{{Name: "x", Value: "y"}}, h.Headers)
	for _, bad := range [][]hpack.HeaderField{
		nil,
		{{Name: ":status", Value: "20"}},
		{{Name: ":status", Value: "200"}, {Name: ":status", Value: "200"}},
		{{Name: "x", Value: "y"}, {Name: ":status", Value: "200"}},
		{{Name: ":status", Value: "200"}, {Name: ":path", Value: "/"}},
		{{Name: ":status", Value: "200"}, {Name: "connection", Value: "close"}},
		{{Name: ":status", Value: "200"}, {Name: "X-Upper", Value: "1"}},
	} {
		_, ok := responseHeadOf(bad)
		assert.False(t, ok, "%v", bad)
	}
}
