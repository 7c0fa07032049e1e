package script_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/script"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMuxHTTPVersion2: a script's muxHTTP(target, {version: 2}) sends the
// requests of HTTP/1.1 (decodeHttpRequest) and h2c (demuxHTTP) clients to a
// net/http h2c upstream over HTTP/2, on one upstream connection.
func TestMuxHTTPVersion2(t *testing.T) {
	var conns atomic.Int32
	var protos http.Protocols
	protos.SetUnencryptedHTTP2(true)
	up := &http.Server{Protocols: &protos, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s %s", r.Proto, r.URL.Path, b)
	}), ConnState: func(c net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go up.Serve(ln)
	defer up.Close()

	h1 := startScript(t, `
pipy()
.listen(0)
  .decodeHttpRequest()
  .muxHTTP('`+ln.Addr().String()+`', {version: 2, maxConnections: 1})
  .encodeHttpResponse()
`)
	h2front := startScript(t, `
pipy()
.listen(0)
  .demuxHTTP('up')
.pipeline('up')
  .muxHTTP('`+ln.Addr().String()+`', {version: 2, maxConnections: 1})
`)
	var h2 http.Protocols
	h2.SetUnencryptedHTTP2(true)
	h2c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{Protocols: &h2}}
	for _, c := range []struct {
		c    *http.Client
		addr string
	}{{http.DefaultClient, h1}, {h2c, h2front}, {h2c, h2front}} {
		resp, err := c.c.Post("http://"+c.addr+"/p", "text/plain", strings.NewReader("hi"))
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, "HTTP/2.0 /p hi", string(b))
	}
	// each muxHTTP has its own pool: one connection each
	assert.EqualValues(t, 2, conns.Load())
}

func TestMuxHTTPVersionRefused(t *testing.T) {
	_, err := script.LoadSource("x.js", `pipy().listen(0).muxHTTP('a:1', {version: 3})`, script.Options{})
	assert.ErrorIs(t, err, script.ErrBadArgument)
}

// startScript runs a script with one listener and returns its address.
func startScript(t *testing.T, src string) string {
	m := load(t, src, script.Options{ListenHost: "127.0.0.1"})
	pr, err := pipeline.Start(m, pipeline.StartOptions{Workers: 1, WorkerOptions: pipeline.WorkerOptions{Logger: (&logBuffer{}).logger()}})
	require.NoError(t, err)
	t.Cleanup(func() { pr.Close() })
	return pr.Addrs()[0].String()
}
