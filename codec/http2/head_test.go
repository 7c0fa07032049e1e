package http2

import (
	"testing"

	"github.com/sluice-go/sluice/codec/http1"
	"github.com/stretchr/testify/assert"
	"golang.org/x/net/http2/hpack"
)

// TestResponseFieldsDropWhatH2Forbids: connection-specific fields, framing
// fields, and names or values a client would refuse do not go out.
func TestResponseFieldsDropWhatH2Forbids(t *testing.T) {
	got := responseFields(nil, &http1.ResponseHead{Status: 404, Headers: http1.Headers{
		{Name: "Content-Type", Value: "text/plain"}, {Name: "Connection", Value: "close"},
		{Name: "transfer-encoding", Value: "chunked"}, {Name: "content-length", Value: "3"},
		{Name: "x-bad", Value: "a\r\nb"}, {Name: "bad name", Value: "1"}, {Name: ":status", Value: "200"},
		{Name: "X-Ok", Value: "1"},
	}})
	assert.Equal(t, []hpack.HeaderField{{Name: ":status", Value: "404"}, {Name: "content-type", Value: "text/plain"}, {Name: "x-ok", Value: "1"}}, got)
	assert.Equal(t, "200", statusString(200))
	assert.Equal(t, "599", statusString(599))
	assert.Equal(t, "100", statusString(100))
	assert.Equal(t, "99", statusString(99))
	assert.Equal(t, "600", statusString(600))
	assert.Nil(t, trailerFields(map[string]any{"connection": "x"}))
	assert.Equal(t, []hpack.HeaderField{{Name: "grpc-status", Value: "0"}}, trailerFields(http1.Headers{{Name: "Grpc-Status", Value: "0"}}))
}
