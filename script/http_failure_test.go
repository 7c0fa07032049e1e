package script_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/script"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFailedStreamBeforeResponseAnswers500: a callback that throws before
// encodeHttpResponse leaves the request unanswered; the client gets a 500
// naming the failure and the connection closes, instead of an empty reply.
func TestFailedStreamBeforeResponseAnswers500(t *testing.T) {
	m := load(t, `
pipy()
.listen(0)
  .decodeHttpRequest()
  .onMessageStart(e => { if (e.head.path === '/bad') throw new Error('boom in script') })
  .replaceMessage(() => new Message('ok'))
  .encodeHttpResponse()
`, script.Options{ListenHost: "127.0.0.1"})
	logs := &logBuffer{}
	pr, err := pipeline.Start(m, pipeline.StartOptions{Workers: 1, WorkerOptions: pipeline.WorkerOptions{Logger: logs.logger()}})
	require.NoError(t, err)
	defer pr.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Timeout: time.Minute, Transport: tr}
	base := "http://" + pr.Addrs()[0].String()

	resp, err := client.Get(base + "/good")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "ok", string(body))

	resp, err = client.Get(base + "/bad")
	require.NoError(t, err, "the client must get an answer, not an empty reply")
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, 500, resp.StatusCode)
	assert.True(t, resp.Close, "the connection closes after the 500")
	assert.Contains(t, string(body), "runtime error")
	assert.Contains(t, string(body), "boom in script")
	assert.True(t, strings.Contains(logs.String(), "boom in script"), "the failure is logged: %s", logs.String())
}

// TestFailedDemuxStreamAnswers500: the same when the callback throws in the
// pipeline demux runs for each request; answers to earlier requests still
// come out first.
func TestFailedDemuxStreamAnswers500(t *testing.T) {
	m := load(t, `
pipy()
.listen(0)
  .decodeHttpRequest()
  .demux('handle')
  .encodeHttpResponse()
.pipeline('handle')
  .onMessageStart(e => { if (e.head.path === '/bad') throw new Error('boom in demux') })
  .replaceMessage(() => new Message('ok'))
`, script.Options{ListenHost: "127.0.0.1"})
	pr, err := pipeline.Start(m, pipeline.StartOptions{Workers: 1, WorkerOptions: pipeline.WorkerOptions{Logger: (&logBuffer{}).logger()}})
	require.NoError(t, err)
	defer pr.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Timeout: time.Minute, Transport: tr}
	base := "http://" + pr.Addrs()[0].String()
	for _, c := range []struct {
		path   string
		status int
		body   string
	}{{"/good", 200, "ok"}, {"/bad", 500, "boom in demux"}, {"/good", 200, "ok"}} {
		resp, err := client.Get(base + c.path)
		require.NoError(t, err, c.path)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, c.status, resp.StatusCode, c.path)
		assert.Contains(t, string(body), c.body, c.path)
	}
}

// TestHeaderWithCRLFFromScriptAnswers500: a header value a script sets with
// a CR LF in it never splits the response: the encoder refuses the head, the
// client gets a 500 naming the field, and no injected field arrives.
func TestHeaderWithCRLFFromScriptAnswers500(t *testing.T) {
	m := load(t, `
pipy()
.listen(0)
  .decodeHttpRequest()
  .replaceMessage(() => new Message({status: 200, headers: {'x-evil': 'a\r\nset-cookie: pwn=1'}}, 'hi'))
  .encodeHttpResponse()
`, script.Options{ListenHost: "127.0.0.1"})
	pr, err := pipeline.Start(m, pipeline.StartOptions{Workers: 1})
	require.NoError(t, err)
	defer pr.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Timeout: time.Minute, Transport: tr}
	resp, err := client.Get("http://" + pr.Addrs()[0].String() + "/")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, 500, resp.StatusCode)
	assert.Empty(t, resp.Header.Get("Set-Cookie"))
	assert.Contains(t, string(body), `"x-evil"`)
}
