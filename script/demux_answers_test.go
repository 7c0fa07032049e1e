package script_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sluice-go/sluice/internal/testnet"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/script"
	"github.com/stretchr/testify/require"
)

// pipelined writes the requests for paths in one write on one connection and
// reads as many responses, returning "status body" for each.
func pipelined(t *testing.T, addr string, paths ...string) []string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(30*time.Second)))
	var req []byte
	for _, p := range paths {
		req = append(req, "GET "+p+" HTTP/1.1\r\nHost: x\r\n\r\n"...)
	}
	_, err = c.Write(req)
	require.NoError(t, err)
	br := bufio.NewReader(c)
	var got []string
	for range paths {
		resp, err := http.ReadResponse(br, nil)
		require.NoError(t, err, "after %q", got)
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		got = append(got, resp.Status[:3]+" "+string(body))
		require.False(t, resp.Close, "the connection goes on after %s", resp.Status)
	}
	return got
}

// TestDemuxThrowingCallbackAnswers500InPlace: pipelined GET /boom (its
// callback throws) then GET /ok through demux give 500 then the /ok answer,
// in order, on the same connection; an onFail replacement can replace the
// 500.
func TestDemuxThrowingCallbackAnswers500InPlace(t *testing.T) {
	for _, c := range []struct{ name, opts, want string }{
		{"default", ``, "500 Internal Server Error: runtime error: "},
		{"onFail", `, {onFail: e => new Message({status: 503}, 'replaced: ' + e.error)}`, "503 replaced: RuntimeError"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := load(t, `
pipy()
.listen(0)
  .decodeHttpRequest()
  .demux('handle'`+c.opts+`)
  .encodeHttpResponse()
.pipeline('handle')
  .onMessageStart(e => { if (e.head.path === '/boom') throw new Error('boom in demux') })
  .replaceMessage(msg => new Message('ok:' + msg.head.path))
`, script.Options{ListenHost: "127.0.0.1"})
			pr, err := pipeline.Start(m, pipeline.StartOptions{Workers: 1, WorkerOptions: pipeline.WorkerOptions{Logger: (&logBuffer{}).logger()}})
			require.NoError(t, err)
			defer pr.Close()
			got := pipelined(t, pr.Addrs()[0].String(), "/ok", "/boom", "/ok2")
			require.Equal(t, "200 ok:/ok", got[0])
			require.Contains(t, got[1], c.want)
			require.Equal(t, "200 ok:/ok2", got[2])
		})
	}
}

// TestDemuxUpstreamFailuresAnswerInPlace: the same order through a proxy
// script, when a request's upstream refuses (503) or does not answer within
// its answer timeout (504): the failed request gets its synthetic answer in
// its place and the next request its own answer.
func TestDemuxUpstreamFailuresAnswerInPlace(t *testing.T) {
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok:"+r.URL.Path)
	}))
	defer ok.Close()
	silent := testnet.Serve(t, func(c *net.TCPConn) { io.Copy(io.Discard, c) }) // reads, never answers
	m := load(t, `
pipy({ _path: '' })
.listen(0)
  .decodeHttpRequest()
  .demux('forward')
  .encodeHttpResponse()
.pipeline('forward')
  .onMessageStart(e => _path = e.head.path)
  .encodeHttpRequest()
  .connect(() => _path === '/refused' ? '`+testnet.RefusedAddr(t)+`' : _path === '/slow' ? '`+silent.Addr()+`' : '`+ok.Listener.Addr().String()+`',
    { answerTimeout: '300ms' })
  .decodeHttpResponse()
`, script.Options{ListenHost: "127.0.0.1"})
	pr, err := pipeline.Start(m, pipeline.StartOptions{Workers: 1, WorkerOptions: pipeline.WorkerOptions{Logger: (&logBuffer{}).logger()}})
	require.NoError(t, err)
	defer pr.Close()
	for _, c := range []struct{ path, want string }{{"/refused", "503 "}, {"/slow", "504 "}} {
		t.Run(c.path[1:], func(t *testing.T) {
			got := pipelined(t, pr.Addrs()[0].String(), "/first", c.path, "/ok")
			require.Equal(t, "200 ok:/first", got[0])
			require.True(t, strings.HasPrefix(got[1], c.want), "%q", got[1])
			require.Equal(t, "200 ok:/ok", got[2])
		})
	}
}
