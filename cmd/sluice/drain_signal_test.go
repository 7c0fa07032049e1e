package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSecondSignalCutsTheDrainAndSaysSo: while sluice drains a connection
// whose request is at the upstream, a SIGHUP is logged and ignored (it used to
// cut the drain short); a second SIGTERM cuts the connection, and the log
// says so at the default level; the client sees its connection closed and
// sluice exits 0.
func TestSecondSignalCutsTheDrainAndSaysSo(t *testing.T) {
	up, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	in, release := make(chan struct{}), make(chan struct{})
	go (&http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(in)
		<-release
	})}).Serve(up)
	defer up.Close()
	defer close(release)
	path := writeScript(t, fmt.Sprintf("pipy().listen('127.0.0.1:0').decodeHttpRequest().muxHTTP('%s').encodeHttpResponse()\n", up.Addr()))
	sig, done, waitFor, _ := startRun(t, "--drain=1h", path)
	addr := waitFor(`msg=listening addr=(\S+)`)[1]
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	_, err = io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	require.NoError(t, err)
	<-in // the request is in flight, at the upstream

	sig <- syscall.SIGTERM
	waitFor(`msg="shutting down"`)
	sig <- syscall.SIGHUP
	// Not the end of the drain: the SIGHUP is ignored.
	m := waitFor(`level=(\w+) msg="?(reload ignored: shutting down" signal=hangup|drain ended|stopped)`)
	assert.Equal(t, []string{"INFO", `reload ignored: shutting down" signal=hangup`}, m[1:])
	sig <- syscall.SIGTERM
	waitFor(`level=WARN msg="second signal: cutting the connections still open" signal=terminated`)
	waitFor(`level=WARN msg="drain ended before every connection had finished".*: 1 `)
	waitFor(`msg=stopped`)
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	rest, err := io.ReadAll(c)
	assert.NoError(t, err, "the connection is closed, not reset")
	assert.Empty(t, rest, "no answer: the upstream has not answered")
	select {
	case code := <-done:
		assert.Equal(t, 0, code)
	case <-time.After(20 * time.Second):
		t.Fatal("sluice did not exit after the second SIGTERM")
	}
}
