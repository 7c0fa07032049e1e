package script_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAThrowingCallbackIsLoggedAtWarnWithItsScriptStack(t *testing.T) {
	m := load(t, `
function check(body) {
  if (body === 'bad') throw new Error('boom');
}
pipy()
.pipeline('p')
  .replaceMessage(msg => {
    check(msg.body.toString());
    return msg;
  })
`)
	var logs bytes.Buffer
	w := newWorker(t)
	// The default level: what an operator sees without asking for debug.
	w.w = pipeline.NewWorker(pipeline.WorkerOptions{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	bad := w.start(find(t, m, "p"))
	bad.message(nil, "bad")
	se := sessionEnd(bad.out)
	require.NotNil(t, se)
	assert.Equal(t, event.RuntimeError, se.Err)

	out := logs.String()
	assert.Equal(t, 1, strings.Count(out, "\n"), "one line per failed stream:\n%s", out)
	assert.Contains(t, out, "level=WARN")
	assert.Contains(t, out, "filter=replaceMessage")
	assert.Regexp(t, `at check \(main\.js:3:\d+\)\\n  at <anonymous> \(main\.js:8:\d+\)`, out, "the JS stack, innermost first")
	assert.Contains(t, out, "main.js:3:")
	assert.NotContains(t, out, "goroutine", "no Go stack for a script's exception")
}

func TestAHeadTheEncoderCannotUseIsLoggedAtWarnWithTheFilterPosition(t *testing.T) {
	m := load(t, `
pipy()
.pipeline('p')
  .replaceMessage(() => new Message({ status: 'abc' }, 'x'))
  .encodeHttpResponse()
`)
	var logs bytes.Buffer
	w := newWorker(t)
	w.w = pipeline.NewWorker(pipeline.WorkerOptions{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	st := w.start(find(t, m, "p"))
	st.message(nil, "")
	se := sessionEnd(st.out)
	require.NotNil(t, se)
	assert.Equal(t, event.RuntimeError, se.Err)

	out := logs.String()
	assert.Equal(t, 1, strings.Count(out, "\n"), out)
	assert.Contains(t, out, "level=WARN")
	assert.Contains(t, out, "filter=encodeHttpResponse")
	assert.Regexp(t, `at=main\.js:5:\d+`, out, "where the filter is written")
	assert.NotContains(t, out, "goroutine")
}
