package filter_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/internal/testnet"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/stretchr/testify/require"
)

type demuxTargetKey struct{}

// demuxHTTPProxy serves an HTTP proxy made of demux in Go: each request's
// stream panics on /boom, sends /refused to a closed port, /slow to an
// upstream that never answers, and everything else to upstream, with a read
// timeout.
func demuxHTTPProxy(t *testing.T, upstream string, readTimeout time.Duration) string {
	refused, silent := testnet.RefusedAddr(t), silentUpstream(t)
	route := flowFunc(func(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
		return pipeline.TargetFunc(func(evt event.Event) {
			if ms, ok := evt.(*event.MessageStart); ok {
				target := upstream
				switch ms.Head.(*http1.RequestHead).Path {
				case "/boom":
					panic("boom in a Go filter")
				case "/refused":
					target = refused
				case "/slow":
					target = silent
				}
				s.Context().SetValue(demuxTargetKey{}, target)
			}
			next.Input(evt)
		})
	})
	m := pipeline.NewModule("m")
	m.Pipeline("route", route, http1.EncodeRequest(nil),
		filter.ConnectFunc(func(s *pipeline.Stream) string { return s.Context().Value(demuxTargetKey{}).(string) },
			filter.ConnectOptions{ReadTimeout: readTimeout}),
		http1.DecodeResponse())
	m.Pipeline("front", http1.DecodeRequest(), filter.Demux(filter.To("route")), http1.EncodeResponse(nil))
	flowBuild(t, m)
	addr, _ := serveListen(t, m.Find("front"), nil)
	return addr
}

// pipelinedGets writes GETs for paths in one write and reads as many
// answers, as "status body"; the connection must stay open between them.
func pipelinedGets(t *testing.T, addr string, paths ...string) []string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(30*time.Second)))
	var req strings.Builder
	for _, p := range paths {
		fmt.Fprintf(&req, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", p)
	}
	_, err = io.WriteString(c, req.String())
	require.NoError(t, err)
	br := bufio.NewReader(c)
	var got []string
	for range paths {
		resp, err := http.ReadResponse(br, nil)
		require.NoError(t, err, "after %q", got)
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		got = append(got, fmt.Sprintf("%d %s", resp.StatusCode, body))
	}
	return got
}

// TestDemuxAnswersEveryRequestInOrder: a request whose stream fails (a Go
// filter panics, the upstream refuses, the upstream times out) gets its
// synthetic answer in its place, and the next request its own answer.
func TestDemuxAnswersEveryRequestInOrder(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "ok:%s", r.URL.Path)
	}))
	t.Cleanup(up.Close)
	addr := demuxHTTPProxy(t, up.Listener.Addr().String(), 300*time.Millisecond)
	for _, c := range []struct{ path, want string }{
		{"/boom", "500 Internal Server Error: runtime error: panic: boom in a Go filter\n"},
		{"/refused", "503 "},
		{"/slow", "504 "},
	} {
		t.Run(c.path[1:], func(t *testing.T) {
			got := pipelinedGets(t, addr, "/first", c.path, "/ok")
			require.Equal(t, []string{"200 ok:/first", c.want, "200 ok:/ok"}, got)
		})
	}
}

// silentUpstream accepts connections, reads what comes and never answers;
// it closes them at cleanup.
func silentUpstream(t *testing.T) string {
	return testnet.Serve(t, func(c *net.TCPConn) { io.Copy(io.Discard, c) }).Addr()
}
