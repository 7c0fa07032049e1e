package script_test

import (
	"testing"

	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// evalJS runs expr in a callback of a loaded script and returns the body of
// the message it makes from the result (as JSON).
func evalJS(t *testing.T, expr string) string {
	t.Helper()
	m := load(t, `
pipy()
.pipeline('p')
  .replaceMessage(() => new Message(JSON.stringify(`+expr+`)))
`)
	h := pipelinetest.New(t, find(t, m, "p"))
	h.InputMessage(nil, "").End()
	msgs := h.Messages()
	require.Len(t, msgs, 1, "%v", h.SessionEnd())
	return msgs[0].Body.String()
}

// The expected values below were checked against Pipy 0.x.

func TestPipyRepeat(t *testing.T) {
	assert.Equal(t, `[[0,1,2],false]`, evalJS(t, `(() => { var a = []; var r = repeat(i => (a.push(i), i < 2)); return [a, r] })()`),
		"repeat(fn) calls fn(0), fn(1), … until it returns a falsy value, and returns that")
	assert.Equal(t, `[[0,1,2,3,4],true]`, evalJS(t, `(() => { var a = []; var r = repeat(5, i => (a.push(i), true)); return [a, r] })()`),
		"repeat(count, fn) stops after count calls")
	assert.Equal(t, `[[0,1],0]`, evalJS(t, `(() => { var a = []; var r = repeat(5, i => (a.push(i), i ? 0 : true)); return [a, r] })()`))
}

func TestPipyMessageWithoutHeadOrBodyHasNulls(t *testing.T) {
	assert.Equal(t, `[null,null,true,{"status":200},"x",null]`, evalJS(t,
		`[new Message().head, new Message().body, new Message({status: 200}).body === null, new Message({status: 200}).head, new Message('x').body.toString(), new Message('x').head]`))
	assert.Equal(t, `null`, evalJS(t, `new MessageStart().head`))
}

func TestPipySessionEndErrorIsEmptyWithoutError(t *testing.T) {
	assert.Equal(t, `["",true,"ConnectionRefused"]`, evalJS(t,
		`[new SessionEnd().error, new SessionEnd().error === '', new SessionEnd('ConnectionRefused').error]`))
}

func TestPipyJSONParseOfBadInputIsUndefined(t *testing.T) {
	assert.Equal(t, `[true,true,true,true,{"a":1},2]`, evalJS(t,
		`[JSON.parse('{bad') === undefined, JSON.decode(new Data('{bad')) === undefined, JSON.decode(null) === undefined, JSON.encode(undefined) === undefined, JSON.decode(new Data('{"a":1}')), JSON.parse('{"b":1}', (k, v) => k === 'b' ? 2 : v).b]`))
}

func TestPipyFilenameHasALeadingSlash(t *testing.T) {
	assert.Equal(t, `"/main.js"`, evalJS(t, `__filename`))
}

func TestPipySessionTakesTheModuleAsItsFilename(t *testing.T) {
	m := load(t, `
pipy({ _hit: false })
.pipeline('p')
  .onMessage(() => new Session(__filename, 'mark').input(new SessionEnd()))
  .replaceMessage(() => new Message(String(_hit)))
.pipeline('mark')
  .onSessionEnd(() => _hit = true)
`)
	h := pipelinetest.New(t, find(t, m, "p"))
	h.InputMessage(nil, "").End()
	msgs := h.Messages()
	require.Len(t, msgs, 1, "%v", h.SessionEnd())
	assert.Equal(t, "true", msgs[0].Body.String())
}

func TestPipyArgvIsNullOutsideUse(t *testing.T) {
	assert.Equal(t, `null`, evalJS(t, `__argv`))
}
