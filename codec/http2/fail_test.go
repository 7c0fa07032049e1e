package http2_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/sluice-go/sluice/codec/http1"
	sh2 "github.com/sluice-go/sluice/codec/http2"
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// quiet ends the stream of /quiet cleanly, without an answer, and passes
// the rest on.
type quiet struct{}

func (quiet) Info() pipeline.Info { return pipeline.Info{Name: "quiet"} }
func (quiet) New(_ *pipeline.Stream, next pipeline.Target) pipeline.Target {
	return pipeline.TargetFunc(func(evt event.Event) {
		if ms, ok := evt.(*event.MessageStart); ok && ms.Head.(*http1.RequestHead).Path == "/quiet" {
			next.Input(&event.SessionEnd{})
			return
		}
		next.Input(evt)
	})
}

// answerOf GETs url with c and returns the status, content-type and body.
func answerOf(t *testing.T, c *http.Client, url string) (int, string, string) {
	t.Helper()
	resp, err := c.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header.Get("content-type"), string(b)
}

// TestFailureAnsweredAsOverHTTP1: a request whose stream fails before
// answering gets over HTTP/2 the answer an HTTP/1 client of the same
// listener gets (a 500 naming the cause), not a reset; one whose stream
// ends without an answer is answered the same way over both, its cause
// ErrNoAnswer.
func TestFailureAnsweredAsOverHTTP1(t *testing.T) {
	addr, _ := serve(t, sh2.Options{}, panicky{}, quiet{}, filter.ReplaceMessage(echo))
	h2c := h2cClient()
	h1 := &http.Client{Timeout: h2c.Timeout}
	st2, ct2, body2 := answerOf(t, h2c, "http://"+addr+"/boom")
	st1, ct1, body1 := answerOf(t, h1, "http://"+addr+"/boom")
	assert.Equal(t, 500, st2)
	assert.Equal(t, "text/plain; charset=utf-8", ct2)
	assert.True(t, strings.HasPrefix(body2, "Internal Server Error: runtime error: "), "%q", body2)
	assert.Equal(t, []any{st1, ct1, body1}, []any{st2, ct2, body2}, "as over HTTP/1")

	st, _, body := answerOf(t, h2c, "http://"+addr+"/quiet")
	assert.Equal(t, 500, st)
	assert.Contains(t, body, sh2.ErrNoAnswer.Error())
	st1, _, body1 = answerOf(t, h1, "http://"+addr+"/quiet")
	assert.Equal(t, []any{st, body}, []any{st1, body1}, "as over HTTP/1")
	st, _, _ = answerOf(t, h2c, "http://"+addr+"/ok")
	assert.Equal(t, 200, st, "the connection goes on")
}

// TestOnFailAnswersBothVersions: Options.OnFail makes the answer to a
// failed request over HTTP/1 and over HTTP/2 alike.
func TestOnFailAnswersBothVersions(t *testing.T) {
	onFail := func(_ *pipeline.Stream, end *event.SessionEnd, out pipeline.Target) {
		pipeline.Emit(out, &event.Message{Head: event.Fields{"status": 503}, Body: event.FromString("replaced: " + end.Err.String())})
	}
	addr, _ := serve(t, sh2.Options{OnFail: onFail}, panicky{}, filter.ReplaceMessage(echo))
	for _, c := range []*http.Client{h2cClient(), {Timeout: h2cClient().Timeout}} {
		st, _, body := answerOf(t, c, "http://"+addr+"/boom")
		assert.Equal(t, 503, st)
		assert.Equal(t, "replaced: runtime error", body)
	}
}
