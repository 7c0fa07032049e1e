package script_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/sluice-go/sluice/script"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// loadDir writes main.js and lib.js into a new folder, loads main.js and
// returns a function starting a harness on one of its pipelines.
func loadDir(t *testing.T, main, lib string) func(string) *pipelinetest.Harness {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, dir, "main.js", main)
	writeFile(t, dir, "lib.js", lib)
	m, err := script.Load(filepath.Join(dir, "main.js"), script.Options{Logger: pipelinetest.TestLogger(t)})
	require.NoError(t, err)
	return func(name string) *pipelinetest.Harness { return pipelinetest.New(t, find(t, m, name)) }
}

const echoArgv = `
pipy()
.pipeline('show')
  .replaceMessage(() => new Message(JSON.stringify(__argv)))
`

func TestPipyUseArrayArgvIsTheArgv(t *testing.T) {
	start := loadDir(t, `
pipy()
.pipeline('array')
  .use('lib.js', 'show', ['a', 1])
.pipeline('values')
  .use('lib.js', 'show', 'a', [1, 2])
.pipeline('empty')
  .use('lib.js', 'show', [])
.pipeline('none')
  .use('lib.js', 'show')
`, echoArgv)
	h := start("array")
	h.InputMessage(nil, "").End()
	assert.Equal(t, `["a",1]`, h.Messages()[0].Body.String(), "a single array is the argv itself")
	h = start("values")
	h.InputMessage(nil, "").End()
	assert.Equal(t, `["a",[1,2]]`, h.Messages()[0].Body.String())
	h = start("empty")
	h.InputMessage(nil, "").End()
	assert.Equal(t, `[]`, h.Messages()[0].Body.String())
	h = start("none")
	h.InputMessage(nil, "").End()
	assert.Equal(t, `null`, h.Messages()[0].Body.String(), "no argv: __argv is null")
}

func TestPipyUseArgvFunctionIsCalledPerStreamInTheCallersContext(t *testing.T) {
	start := loadDir(t, `
pipy({ _who: 'nobody', _calls: 0 })
.pipeline('many')
  .onMessageStart(e => _who = e.head.who)
  .use('lib.js', 'show', () => [_who, ++_calls])
.pipeline('one')
  .use('lib.js', 'show', () => 'just me')
`, echoArgv)
	for _, who := range []string{"ann", "bob"} {
		h := start("many")
		h.InputMessage(map[string]any{"who": who}, "").InputMessage(map[string]any{"who": "later"}, "").End()
		msgs := h.Messages()
		require.Len(t, msgs, 2)
		assert.Equal(t, `["`+who+`",1]`, msgs[0].Body.String(), "called once, at the stream's first event, with its variables")
		assert.Equal(t, msgs[0].Body.String(), msgs[1].Body.String())
	}
	h := start("one")
	h.InputMessage(nil, "").End()
	assert.Equal(t, `["just me"]`, h.Messages()[0].Body.String(), "a result that is not an array is the only argument")
}

// TestPipyUseArgvFunctionsCallBackIntoTheCaller is the shape of Pipy's
// reverse-proxy recipe: a task hands a module a file name and a callback,
// and the module calls the callback with what it read; the callback sets
// the caller's variables.
func TestPipyUseArgvFunctionsCallBackIntoTheCaller(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "settings.json", `{"greeting": "hi"}`)
	writeFile(t, dir, "reader.js", `
pipy()
.pipeline('read')
  .onMessageStart(() => {
    var got = __argv[1](JSON.decode(os.readFile(__argv[0])), new Data('raw'));
    __argv[2](got, new Message({ n: 1 }, 'body'), new SessionEnd('ReadError'));
  })
`)
	writeFile(t, dir, "main.js", `
pipy({ _g: { greeting: 'none' }, _seen: '' })
.pipeline('load')
  .use('reader.js', 'read', 'settings.json',
    (config, data) => (_g.greeting = config.greeting, data.toString() + '!'),
    (got, msg, end) => { _seen = got + ' ' + msg.head.n + msg.body.toString() + ' ' + end.error })
  .replaceMessage(() => new Message(_g.greeting + ' ' + _seen))
.pipeline('bad')
  .use('reader.js', 'read', 'settings.json', () => { throw new Error('nope') }, () => {})
`)
	m, err := script.Load(filepath.Join(dir, "main.js"), script.Options{Logger: pipelinetest.TestLogger(t)})
	require.NoError(t, err)
	h := pipelinetest.New(t, find(t, m, "load"))
	h.InputMessage(nil, "").End()
	msgs := h.Messages()
	require.Len(t, msgs, 1)
	assert.Equal(t, "hi raw! 1body ReadError", msgs[0].Body.String())

	h = pipelinetest.New(t, find(t, m, "bad"))
	h.InputMessage(nil, "")
	se := h.SessionEnd()
	require.NotNil(t, se, "an exception in the caller's function ends the stream")
	assert.Contains(t, se.Message, "nope")
}

// TestPipyReverseProxyRecipeLoads loads the reverse-proxy recipe of the Pipy
// source tree, when it is there (it is not part of this project), runs its
// configuration task once on a worker — its module calls back into the
// recipe through __argv[1] and reads the configuration file relative to the
// recipe's folder — and then sends requests that need no upstream.
func TestPipyReverseProxyRecipeLoads(t *testing.T) {
	const recipe = "/work/pipy-src/recipes/http-reverse-proxy.js"
	if _, err := os.Stat(recipe); err != nil {
		t.Skip("no Pipy source tree")
	}
	m, err := script.Load(recipe, script.Options{Logger: pipelinetest.TestLogger(t)})
	require.NoError(t, err)
	var task, listen *pipeline.Pipeline
	for _, p := range m.Pipelines {
		switch p.Kind {
		case pipeline.Task:
			task = p
		case pipeline.Listen:
			listen = p
		}
	}
	require.NotNil(t, task)
	require.NotNil(t, listen)
	w := newWorker(t)
	run := w.start(task).message(nil, "")
	se := sessionEnd(run.out)
	require.NotNil(t, se, "the task ends")
	require.Equal(t, event.NoError, se.Err, "%v", se)
	for path, want := range map[string]string{"/no/target": "No target", "/elsewhere": "No route"} {
		s := w.start(listen).input(event.FromString("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n"))
		out := pipelinetest.DataString(s.out)
		assert.Contains(t, out, "HTTP/1.1 404", path)
		assert.Contains(t, out, want, path)
		s.end()
	}
}

// TestPipyPathsAreRelativeToTheMainScriptsFolder: as Pipy runs in the main
// script's folder, __filename, module names and files read by a module in
// a subfolder are all relative to that folder.
func TestPipyPathsAreRelativeToTheMainScriptsFolder(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, "modules"), 0o755))
	writeFile(t, dir, "data.txt", "root data")
	writeFile(t, dir, "main.js", `
pipy()
.pipeline('p')
  .use('modules/a.js', 'a')
  .replaceMessageBody(b => b.toString() + ' ' + __filename)
`)
	writeFile(t, filepath.Join(dir, "modules"), "a.js", `
pipy()
.pipeline('a')
  .use('/modules/b.js', 'b')
  .replaceMessageBody(b => b.toString() + ' ' + __filename)
`)
	writeFile(t, filepath.Join(dir, "modules"), "b.js", `
pipy()
.pipeline('b')
  .replaceMessage(() => new Message(os.readFile('data.txt').toString() + ' ' + __filename))
`)
	m, err := script.Load(filepath.Join(dir, "main.js"), script.Options{Logger: pipelinetest.TestLogger(t)})
	require.NoError(t, err)
	h := pipelinetest.New(t, find(t, m, "p"))
	h.InputMessage(nil, "").End()
	msgs := h.Messages()
	require.Len(t, msgs, 1)
	assert.Equal(t, "root data /modules/b.js /modules/a.js /main.js", msgs[0].Body.String())
}
