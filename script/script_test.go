package script_test

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/sluice-go/sluice/script"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReplaceMessage(t *testing.T) {
	m := load(t, `
pipy()
.pipeline('p')
  .replaceMessage(msg => new Message({status: 200}, 'hi ' + msg.body.toString()))
`)
	h := pipelinetest.New(t, find(t, m, "p"))
	h.InputMessage(nil, "bob").InputMessage(nil, "ann").End()
	msgs := h.Messages()
	require.Len(t, msgs, 2)
	assert.Equal(t, "hi bob", msgs[0].Body.String())
	assert.Equal(t, "hi ann", msgs[1].Body.String())
	head, ok := msgs[0].Head.(map[string]any)
	require.True(t, ok, "head %T", msgs[0].Head)
	assert.EqualValues(t, 200, head["status"])
	assert.Nil(t, h.SessionEnd().Error())
}

func TestStaticReplacement(t *testing.T) {
	m := load(t, `
pipy()
.pipeline('p')
  .replaceMessage(new Message({status: 404}, 'not found'))
  .onMessage(msg => { msg.head.status = 500; msg.body.push('!') })
`)
	h := pipelinetest.New(t, find(t, m, "p"))
	h.InputMessage(nil, "a").InputMessage(nil, "b").End()
	msgs := h.Messages()
	require.Len(t, msgs, 2)
	for _, msg := range msgs {
		// Each use gets its own copy of the static message: a script changing
		// one does not change the next.
		assert.Equal(t, "not found", strings.TrimSuffix(msg.Body.String(), "!"))
	}
	assert.EqualValues(t, 500, msgs[1].Head.(map[string]any)["status"])
}

func TestEventsAndArrays(t *testing.T) {
	m := load(t, `
pipy()
.pipeline('p')
  .replaceData(d => [new MessageStart({n: d.size}), d, new MessageEnd()])
  .replaceMessageStart(e => { e.head.seen = true; return e })
  .replaceSessionEnd(() => [new Data('bye'), new SessionEnd()])
`)
	h := pipelinetest.New(t, find(t, m, "p"))
	h.InputString("abc").End()
	msgs := h.Messages()
	require.Len(t, msgs, 1)
	assert.Equal(t, "abc", msgs[0].Body.String())
	assert.Equal(t, map[string]any{"n": int64(3), "seen": true}, msgs[0].Head)
	assert.Equal(t, "abcbye", h.OutputString())
}

func TestDataAndJSON(t *testing.T) {
	m := load(t, `
pipy()
.pipeline('p')
  .replaceMessageBody(body => {
    var d = new Data('hello');
    d.push(' ');
    d.push(new Data('776f726c64', 'hex'));
    var head = d.shift(5);
    var obj = JSON.decode(body);
    obj.hex = new Data('hi').toString('hex');
    obj.b64 = new Data('hi').toString('base64');
    obj.head = head.toString();
    obj.rest = d.toString();
    obj.size = d.size;
    return JSON.encode(obj);
  })
`)
	h := pipelinetest.New(t, find(t, m, "p"))
	h.InputMessage(nil, `{"a":1}`).End()
	msgs := h.Messages()
	require.Len(t, msgs, 1)
	assert.JSONEq(t, `{"a":1,"hex":"6869","b64":"aGk=","head":"hello","rest":" world","size":6}`, msgs[0].Body.String())
}

func TestHTTPHeads(t *testing.T) {
	m := load(t, `
pipy()
.pipeline('p')
  .onMessageStart(e => {
    e.head.headers['x-seen'] = e.head.headers.host + ' ' + e.head.method + ' ' + e.head.path;
    delete e.head.headers['x-drop'];
  })
  .replaceMessage(msg => new Message({
    status: 201,
    headers: { 'x-from': msg.head.headers['X-Seen'], 'x-multi': msg.head.headers['x-multi'], 'set-cookie': msg.head.headers['set-cookie'] },
  }, JSON.stringify(Object.keys(msg.head.headers))))
`)
	h := pipelinetest.New(t, find(t, m, "p"))
	req := &http1.RequestHead{Method: "GET", Path: "/a", Protocol: "HTTP/1.1", Headers: http1.Headers{
		{Name: "host", Value: "example.com"}, {Name: "x-drop", Value: "1"},
		{Name: "x-multi", Value: "a"}, {Name: "x-multi", Value: "b"},
		{Name: "set-cookie", Value: "a=1"}, {Name: "set-cookie", Value: "b=2"},
	}}
	h.InputMessage(req, "").End()
	msgs := h.Messages()
	require.Len(t, msgs, 1)
	assert.Equal(t, "example.com GET /a", req.Headers.Get("x-seen"), "the head is changed in place")
	assert.False(t, req.Headers.Has("x-drop"))
	resp, err := http1.ResponseHeadOf(msgs[0].Head)
	require.NoError(t, err)
	assert.Equal(t, 201, resp.Status)
	assert.Equal(t, "example.com GET /a", resp.Headers.Get("x-from"))
	assert.Equal(t, "a, b", resp.Headers.Get("x-multi"))
	assert.Equal(t, []string{"a=1", "b=2"}, resp.Headers.Values("set-cookie"))
	assert.Equal(t, `["host","x-multi","set-cookie","x-seen"]`, msgs[0].Body.String())
}

func TestContextVariables(t *testing.T) {
	m := load(t, `
pipy({ _n: 0, _shared: { count: 0 }, _name: 'anon' })
.pipeline('p')
  .onMessage(msg => { _n++; _shared.count++; if (msg.body.size) _name = msg.body.toString() })
  .replaceMessage(() => new Message(_name + ' ' + _n + ' ' + _shared.count))
`)
	p := find(t, m, "p")
	w := newWorker(t)
	a := w.start(p)
	b := w.start(p)
	a.message(nil, "ann")
	b.message(nil, "")
	a.message(nil, "")
	b.message(nil, "bob")
	// Reassigned variables are per connection; an object value is shared by
	// every context of the worker.
	assert.Equal(t, []string{"ann 1 1", "ann 2 3"}, bodies(a.out))
	assert.Equal(t, []string{"anon 1 2", "bob 2 4"}, bodies(b.out))
	a.end()
	b.end()
}

func TestInbound(t *testing.T) {
	m := load(t, `
pipy()
.pipeline('p')
  .replaceMessage(() => new Message(JSON.stringify(__inbound) + ' ' + __filename))
`)
	h := pipelinetest.New(t, find(t, m, "p"), pipelinetest.WithSetup(func(h *pipelinetest.Harness) {
		h.Context.RemoteAddr = mustAddr(t, "10.0.0.1:5555")
		h.Context.LocalAddr = mustAddr(t, "10.0.0.2:80")
	}))
	h.InputMessage(nil, "").End()
	msgs := h.Messages()
	require.Len(t, msgs, 1)
	js, file, _ := strings.Cut(msgs[0].Body.String(), " ")
	assert.Equal(t, "/main.js", file, "Pipy's __filename: the path from the main script's folder")
	assert.Contains(t, js, `"remoteAddress":"10.0.0.1","remotePort":5555,"localAddress":"10.0.0.2","localPort":80`)
	assert.Contains(t, js, `"id":`)
}

func TestForkThis(t *testing.T) {
	m := load(t, `
pipy({ _log: [] })
.pipeline('p')
  .fork('side', [{name: 'a'}, {name: 'b'}])
  .fork('side2', () => [{name: 'c'}])
  .replaceMessage(() => new Message(_log.join(',')))
.pipeline('side')
  .onMessage(function() { _log.push(this.name) })
.pipeline('side2')
  .onMessageStart(function() { this.count = 1 })
  .onMessage(function() { _log.push(this.name + this.count) })
`)
	h := pipelinetest.New(t, find(t, m, "p"))
	h.InputMessage(nil, "x").End()
	msgs := h.Messages()
	require.Len(t, msgs, 1)
	assert.Equal(t, "a,b,c1", msgs[0].Body.String())
}

func TestUseArgv(t *testing.T) {
	lib := load(t, `
pipy()
.pipeline('greet')
  .replaceMessage(msg => new Message(__argv[0] + ' ' + msg.body.toString() + ' x' + __argv[1]))
`)
	lib.Name = "lib.js"
	m := load(t, `
pipy()
.pipeline('p')
  .use('lib.js', 'greet', 'hello', 2)
`, script.Options{Modules: func(name string) (*pipeline.Module, error) {
		if name == "lib.js" {
			return lib, nil
		}
		return nil, pipeline.ErrUnknownModule
	}})
	h := pipelinetest.New(t, find(t, m, "p"))
	h.InputMessage(nil, "bob").End()
	msgs := h.Messages()
	require.Len(t, msgs, 1)
	assert.Equal(t, "hello bob x2", msgs[0].Body.String())
}

func TestUseFiles(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "lib.js", `
pipy()
.pipeline('greet')
  .replaceMessage(msg => new Message(__argv.join('+') + ':' + msg.body.toString()))
  .use('main.js', 'mark')
`)
	writeFile(t, dir, "main.js", `
pipy()
.pipeline('p')
  .use('lib.js', 'greet', 'a', 'b')
.pipeline('mark')
  .replaceMessageBody(b => '[' + b.toString() + ']')
`)
	m, err := script.Load(dir+"/main.js", script.Options{Logger: pipelinetest.TestLogger(t)})
	require.NoError(t, err)
	h := pipelinetest.New(t, find(t, m, "p"))
	h.InputMessage(nil, "x").End()
	msgs := h.Messages()
	require.Len(t, msgs, 1)
	assert.Equal(t, "[a+b:x]", msgs[0].Body.String())
}

func TestThrowEndsOnlyItsStream(t *testing.T) {
	logs := &logBuffer{}
	m := load(t, `
pipy()
.pipeline('p')
  .replaceMessage(msg => {
    if (msg.body.toString() === 'bad') throw new Error('boom');
    return msg;
  })
`)
	p := find(t, m, "p")
	w := newWorker(t)
	w.w = pipeline.NewWorker(pipeline.WorkerOptions{Logger: logs.logger()})
	good := w.start(p)
	bad := w.start(p)
	good.message(nil, "ok")
	bad.message(nil, "bad")
	good.message(nil, "still ok")
	se := sessionEnd(bad.out)
	require.NotNil(t, se)
	assert.Equal(t, event.RuntimeError, se.Err)
	assert.Contains(t, se.Message, "main.js:5:")
	assert.Contains(t, se.Message, "boom")
	var serr *script.Error
	require.True(t, errors.As(se.Cause, &serr), "cause %T", se.Cause)
	assert.Equal(t, 5, serr.Line)
	assert.Nil(t, sessionEnd(good.out))
	assert.Equal(t, []string{"ok", "still ok"}, bodies(good.out))
	assert.Contains(t, logs.String(), "main.js:5:")
	good.end()
}

func TestSyntaxError(t *testing.T) {
	_, err := script.LoadSource("bad.js", "pipy()\n.pipeline('p')\n  .onData(=> 1)\n", script.Options{})
	require.Error(t, err)
	assert.ErrorIs(t, err, script.ErrSyntax)
	assert.Contains(t, err.Error(), "bad.js:3:")
	var serr *script.Error
	require.ErrorAs(t, err, &serr)
	assert.Equal(t, "bad.js", serr.File)
	assert.Equal(t, 3, serr.Line)
	assert.Positive(t, serr.Column)
}

func TestBadArguments(t *testing.T) {
	cases := []struct{ src, want string }{
		{"pipy()\n.listen('nope')", "main.js:2:"},
		{"pipy()\n.pipeline('p')\n  .onData(42)", "main.js:3:"},
		{"pipy()\n  .onData(() => 1)", "no pipeline"},
		{"pipy()\n.pipeline('p')\n  .link(() => true)", "condition must follow"},
		{"pipy()\n.pipeline('p')\n  .replaceData(42)", "cannot turn a number"},
		{"pipy()\n.pipeline('p')\n.pipeline('p')", "declared twice"},
		{"pipy()\n.task('soon')", "duration"},
	}
	for _, c := range cases {
		_, err := script.LoadSource("main.js", c.src, script.Options{})
		require.Error(t, err, c.src)
		assert.ErrorIs(t, err, script.ErrBadArgument, c.src)
		assert.Contains(t, err.Error(), c.want, c.src)
	}
}

func TestTopLevelThrow(t *testing.T) {
	_, err := script.LoadSource("main.js", "pipy()\n\nnull.x", script.Options{})
	require.Error(t, err)
	assert.ErrorIs(t, err, script.ErrScript)
	assert.Contains(t, err.Error(), "main.js:3:")

	_, err = script.LoadSource("main.js", "var x = 1", script.Options{})
	assert.ErrorIs(t, err, script.ErrNoConfiguration)
}

func TestUnknownPipeline(t *testing.T) {
	for _, src := range []string{
		"pipy().pipeline('p').link('nowhere')",
		"pipy().pipeline('p').fork('nowhere')",
		"pipy().pipeline('p').demux('nowhere')",
		"pipy().pipeline('p').mux('nowhere')",
		"pipy().pipeline('p').use('other.js', 'x')",
	} {
		_, err := script.LoadSource("main.js", "\n"+src, script.Options{})
		require.Error(t, err, src)
		if !errors.Is(err, pipeline.ErrUnknownPipeline) {
			assert.ErrorIs(t, err, pipeline.ErrUnknownModule, src)
		}
		assert.Contains(t, err.Error(), "main.js:2:", src)
	}
}

func TestListen(t *testing.T) {
	m := load(t, `
pipy()
.listen(0)
  .replaceData(d => new Data(d.toString().toUpperCase()))
.listen('127.0.0.1:0')
  .dummy()
`, script.Options{ListenHost: "127.0.0.1"})
	require.Len(t, m.Pipelines, 2)
	assert.Equal(t, "127.0.0.1:0", m.Pipelines[0].Addr)
	assert.Equal(t, pipeline.Listen, m.Pipelines[0].Kind)

	m = load(t, "pipy().listen(8080).dummy().task().dummy().task('2s').dummy()")
	assert.Equal(t, ":8080", m.Pipelines[0].Addr)
	assert.Equal(t, pipeline.Task, m.Pipelines[1].Kind)
	assert.Equal(t, "2s", m.Pipelines[2].Interval.String())

	m = load(t, "pipy().listen(8080, { maxConnections: 100, readTimeout: '5s', writeTimeout: 2 }).dummy()")
	o := m.Pipelines[0].ListenOptions
	assert.Equal(t, 100, o.MaxConnections)
	assert.Equal(t, 5*time.Second, o.Conn.ReadTimeout)
	assert.Equal(t, 2*time.Second, o.Conn.WriteTimeout)

	m = load(t, "pipy().listen(8080, { idleTimeout: '2m', headTimeout: 5, bodyTimeout: '1m' }).dummy()")
	o = m.Pipelines[0].ListenOptions
	assert.Equal(t, 2*time.Minute, o.Conn.IdleTimeout)
	assert.Equal(t, 5*time.Second, o.Conn.HeadTimeout)
	assert.Equal(t, time.Minute, o.Conn.BodyTimeout)
	assert.Zero(t, o.Conn.WriteTimeout, "absent: the default")

	m = load(t, "pipy().listen(8080, { lingerTimeout: '2s', lingerTime: '1m' }).dummy()")
	o = m.Pipelines[0].ListenOptions
	assert.Equal(t, 2*time.Second, o.Conn.LingerTimeout)
	assert.Equal(t, time.Minute, o.Conn.LingerTime)

	m = load(t, "pipy().listen(8080, { idleTimeout: 0, writeTimeout: 0, headTimeout: 0, bodyTimeout: '0', lingerTimeout: 0, lingerTime: 0 }).dummy()")
	o = m.Pipelines[0].ListenOptions
	for name, d := range map[string]time.Duration{"idle": o.Conn.IdleTimeout, "write": o.Conn.WriteTimeout, "head": o.Conn.HeadTimeout, "body": o.Conn.BodyTimeout, "linger": o.Conn.LingerTimeout, "linger time": o.Conn.LingerTime} {
		assert.Negative(t, d, "%s: 0 turns it off", name)
	}

	for _, bad := range []string{"-1", "1.5", "'many'"} {
		_, err := script.LoadSource("main.js", "pipy()\n.listen(8080, { maxConnections: "+bad+" }).dummy()", script.Options{})
		require.Error(t, err, bad)
		assert.Contains(t, err.Error(), "main.js:2:", bad)
		assert.Contains(t, err.Error(), "maxConnections", bad)
	}
}

func TestPipySessionSharesTheCallersContext(t *testing.T) {
	m := load(t, `
pipy({ _seen: { bodies: [] }, _mine: 'parent', _s: null })
.pipeline('p')
  .onMessage(msg => {
    _s = new Session('log');
    var before = _s.done;
    _s.input(msg);
    _s.input(new SessionEnd());
    _mine += ' ' + before + '/' + _s.done + ' ' + _s.remoteAddress + ':' + _s.remotePort + ' ' + _s.localAddress + ':' + _s.localPort;
  })
  .replaceMessage(() => new Message(_seen.bodies.join(',') + ' ' + _mine))
.pipeline('log')
  .onMessage(msg => { _mine = 'child'; _seen.bodies.push(msg.body.toString()) })
`)
	h := pipelinetest.New(t, find(t, m, "p"), pipelinetest.WithSetup(func(h *pipelinetest.Harness) {
		h.Context.RemoteAddr = mustAddr(t, "10.0.0.1:5555")
		h.Context.LocalAddr = mustAddr(t, "10.0.0.2:80")
	}))
	h.InputMessage(nil, "a").InputMessage(nil, "b").End()
	msgs := h.Messages()
	require.Len(t, msgs, 2)
	// As in Pipy, a Session runs in the context of the callback that made
	// it: it sees and sets the caller's variables and has its connection.
	assert.Equal(t, "a child false/true 10.0.0.1:5555 10.0.0.2:80", msgs[0].Body.String())
	assert.Equal(t, "a,b child false/true 10.0.0.1:5555 10.0.0.2:80", msgs[1].Body.String())
}

func TestConsoleLog(t *testing.T) {
	logs := &logBuffer{}
	m := load(t, `
pipy()
.pipeline('p')
  .onMessage(msg => console.log('got', msg.body, {n: 1}))
`, script.Options{Logger: logs.logger()})
	h := pipelinetest.New(t, find(t, m, "p"))
	h.InputMessage(nil, "x").End()
	assert.Contains(t, logs.String(), `msg="got x {\"n\":1}"`)
	assert.Contains(t, logs.String(), "at=main.js:4:")
}

func TestFilters(t *testing.T) {
	infos := script.Filters()
	seen := map[string]bool{}
	for _, i := range infos {
		// Every binding has its filter package's Info.
		assert.NotEqual(t, "(no description)", i.Summary, i.Name)
		assert.NotEmpty(t, i.Synopsis, i.Name)
		assert.False(t, seen[i.Name], "listed twice: %s", i.Name)
		seen[i.Name] = true
	}
	for _, n := range []string{"connect", "replaceMessage", "decodeHttpRequest", "encodeDubbo", "dummy"} {
		assert.True(t, seen[n], n)
	}
}

func TestHTTPServer(t *testing.T) {
	m := load(t, `
pipy({ _n: 0 })
.listen(0)
  .decodeHttpRequest()
  .demux('handle')
  .encodeHttpResponse()
.pipeline('handle')
  .replaceMessage(msg => (_n++, new Message({ status: 201, headers: { server: 'sluice', 'x-path': msg.head.path, 'x-n': _n } }, 'hi ' + msg.head.headers['user-agent'])))
`, script.Options{ListenHost: "127.0.0.1"})
	pr, err := pipeline.Start(m, pipeline.StartOptions{Workers: 2, WorkerOptions: pipeline.WorkerOptions{Logger: pipelinetest.TestLogger(t)}})
	require.NoError(t, err)
	defer pr.Close()
	url := "http://" + pr.Addrs()[0].String()
	client := &http.Client{Timeout: 10 * time.Second}
	for i := range 3 {
		req, _ := http.NewRequest("GET", url+"/p"+strconv.Itoa(i), nil)
		req.Header.Set("User-Agent", "tester")
		resp, err := client.Do(req)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, 201, resp.StatusCode)
		assert.Equal(t, "hi tester", string(body))
		assert.Equal(t, "/p"+strconv.Itoa(i), resp.Header.Get("X-Path"))
		assert.Equal(t, "1", resp.Header.Get("X-N"), "each demuxed request has its own context")
		assert.Equal(t, "sluice", resp.Header.Get("Server"))
	}
}
