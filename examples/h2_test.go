package examples_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestH2Hello: the same port answers Go's HTTP/2 client (h2c, prior
// knowledge) and its HTTP/1.1 client, each with its protocol.
func TestH2Hello(t *testing.T) {
	leakCheck(t)
	p := start(t, "h2-hello", nil)
	var protos http.Protocols
	protos.SetUnencryptedHTTP2(true) // h2c with prior knowledge
	h2c := &http.Transport{Protocols: &protos}
	defer h2c.CloseIdleConnections()
	h1 := &http.Transport{}
	defer h1.CloseIdleConnections()
	for _, c := range []struct {
		rt   http.RoundTripper
		want string
	}{{h2c, "Hello over HTTP/2, GET /a\n"}, {h1, "Hello over HTTP/1.1, GET /a\n"}} {
		resp, err := (&http.Client{Transport: c.rt, Timeout: ioTimeout}).Get(p.url("/a"))
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, "text/plain", resp.Header.Get("content-type"))
		assert.Equal(t, c.want, string(b))
	}
}
