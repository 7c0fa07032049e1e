package script_test

import (
	"net"
	"os/exec"
	"testing"
	"time"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/internal/testnet"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/sluice-go/sluice/script"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPipyDemuxCopiesCurrentContext(t *testing.T) {
	m := load(t, `
pipy({ _n: 0 })
.pipeline('p')
  .onMessageStart(() => _n++)
  .demux('h')
  .replaceMessageBody(b => b.toString() + '/' + _n)
.pipeline('h')
  .onMessage(() => { _n += 10 })
  .replaceMessage(msg => new Message(msg.body.toString() + ':' + _n))
`)
	h := pipelinetest.New(t, find(t, m, "p"))
	h.InputMessage(nil, "a").InputMessage(nil, "b").End()
	msgs := h.Messages()
	require.Len(t, msgs, 2)
	// Each demuxed message has its own context, starting from a copy of the
	// connection's current values (set in onMessageStart just before); what
	// the message's pipeline changes stays in its own context.
	assert.Equal(t, "a:11/1", msgs[0].Body.String())
	assert.Equal(t, "b:12/2", msgs[1].Body.String())
}

func TestMuxWaitTap(t *testing.T) {
	m := load(t, `
pipy({ _go: false })
.pipeline('p')
  .onMessage(msg => { if (msg.body.toString() === 'go') _go = true })
  .wait(() => _go)
  .tap(1000, 'acct')
  .mux('shared', () => 'k')
.pipeline('shared')
  .replaceMessage(msg => new Message('<' + msg.body.toString() + '>'))
`)
	h := pipelinetest.New(t, find(t, m, "p"))
	h.InputMessage(nil, "a")
	assert.Empty(t, h.Messages(), "wait holds until _go")
	h.InputMessage(nil, "go").End()
	h.Advance(time.Second)
	msgs := h.Messages()
	require.Len(t, msgs, 2)
	assert.Equal(t, "<a>", msgs[0].Body.String())
	assert.Equal(t, "<go>", msgs[1].Body.String())
}

func TestConnectAndExec(t *testing.T) {
	up := testnet.Serve(t, testnet.Echo)
	m := load(t, `
pipy({ _target: '`+up.Addr()+`' })
.pipeline('remote')
  .connect(() => _target, { bufferLimit: '64k', connectTimeout: '5s', retryCount: 1 })
.pipeline('static')
  .connect('`+up.Addr()+`')
.pipeline('cat')
  .exec('cat')
.pipeline('fn')
  .exec(() => ['cat'])
`)
	for _, name := range []string{"remote", "static"} {
		h := pipelinetest.New(t, find(t, m, name))
		h.InputString("ping").End()
		h.WaitEnd()
		assert.Equal(t, "ping", h.OutputString(), name)
	}
	if _, err := exec.LookPath("cat"); err != nil {
		t.Skip("no cat")
	}
	for _, name := range []string{"cat", "fn"} {
		h := pipelinetest.New(t, find(t, m, name))
		h.InputString("meow").End()
		se := h.WaitEnd()
		assert.Equal(t, event.NoError, se.Err, name)
		assert.Equal(t, "meow", h.OutputString(), name)
	}
}

func TestSessionEndObjects(t *testing.T) {
	m := load(t, `
pipy({ _err: '' })
.pipeline('p')
  .replaceData(() => new SessionEnd('ConnectionRefused', 'nope'))
.pipeline('q')
  .onSessionEnd(e => { _err = e.error + '/' + e.message })
  .link('r')
.pipeline('r')
  .replaceSessionEnd(e => [new Data(String(_err)), e])
`)
	h := pipelinetest.New(t, find(t, m, "p"))
	h.InputString("x")
	se := h.SessionEnd()
	require.NotNil(t, se)
	assert.Equal(t, event.ConnectionRefused, se.Err)
	assert.Equal(t, "nope", se.Message)

	h = pipelinetest.New(t, find(t, m, "q"))
	h.Input(&event.SessionEnd{Err: event.ReadError, Message: "reset"})
	assert.Equal(t, "ReadError/reset", h.OutputString())
	assert.Equal(t, event.ReadError, h.SessionEnd().Err)
}

func TestLoadFileErrors(t *testing.T) {
	_, err := script.Load(t.TempDir()+"/missing.js", script.Options{})
	assert.Error(t, err)
}

// TestGlobalModules checks that the global modules installed by
// installGlobals work through the core's host (http.File gives a Message,
// os.env is there).
func TestGlobalModules(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "index.html", "<h1>hi</h1>")
	writeFile(t, dir, "main.js", `
var page = new http.File('index.html');
pipy()
.pipeline('p')
  .replaceMessage(() => page.toMessage())
  .onMessageStart(e => { e.head.headers['x-env'] = typeof os.env })
`)
	m, err := script.Load(dir+"/main.js", script.Options{Logger: pipelinetest.TestLogger(t)})
	require.NoError(t, err)
	for range 2 {
		h := pipelinetest.New(t, find(t, m, "p"))
		h.InputMessage(nil, "").End()
		msgs := h.Messages()
		require.Len(t, msgs, 1)
		assert.Equal(t, "<h1>hi</h1>", msgs[0].Body.String())
		head := msgs[0].Head.(map[string]any)
		assert.EqualValues(t, 200, head["status"])
		assert.Equal(t, "object", head["headers"].(map[string]any)["x-env"])
	}
}

func TestPipyFunctionValuedOptions(t *testing.T) {
	m := load(t, `
var quotaCalls = 0, tags = [];
pipy()
.pipeline('p')
  .tap(() => (quotaCalls++, 1), () => 'user' + __inbound.remotePort)
  .dump(() => (tags.push(__inbound.remotePort), 'port' + __inbound.remotePort))
.pipeline('shared')
  .tap(1)
.pipeline('stats')
  .replaceMessage(() => new Message(quotaCalls + ' ' + tags.join(',')))
`)
	w := newWorker(t)
	from := func(port int) func(*pipeline.Context) {
		return func(ctx *pipeline.Context) { ctx.RemoteAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port} }
	}
	s1 := w.start(find(t, m, "p"), from(1)).message(nil, "a").message(nil, "b")
	s2 := w.start(find(t, m, "p"), from(1)).message(nil, "c")
	s3 := w.start(find(t, m, "p"), from(2)).message(nil, "d")
	assert.Equal(t, []string{"a"}, bodies(s1.out), "quota 1 message a second")
	assert.Empty(t, bodies(s2.out), "the account (a function of the connection) is shared")
	assert.Equal(t, []string{"d"}, bodies(s3.out), "another account has its own budget")

	q1 := w.start(find(t, m, "shared")).message(nil, "x")
	q2 := w.start(find(t, m, "shared")).message(nil, "y")
	assert.Equal(t, []string{"x"}, bodies(q1.out))
	assert.Empty(t, bodies(q2.out), "without an account, the streams of a tap share one budget")

	// exec and connect with a function: TestConnectAndExec.
	stats := w.start(find(t, m, "stats")).message(nil, "")
	assert.Equal(t, []string{"3 1,1,1,2,2,2"}, bodies(stats.out),
		"the quota evaluated once per stream, the dump tag at each event")
}

func TestPipyMuxSharedStreamSeesTheOpenersVariables(t *testing.T) {
	m := load(t, `
pipy({ _target: undefined })
.pipeline('p')
  .onMessageStart(e => _target = e.head.target)
  .mux('upstream', () => 'one')
.pipeline('upstream')
  .replaceMessage(msg => new Message(_target + ':' + msg.body.toString()))
`)
	w := newWorker(t)
	a := w.start(find(t, m, "p")).message(map[string]any{"target": "10.0.0.1:80"}, "a")
	b := w.start(find(t, m, "p")).message(map[string]any{"target": "10.0.0.2:80"}, "b")
	// As in Pipy, the shared stream starts in the state of the stream that
	// opened it (connect(() => _target) in Pipy's reverse-proxy recipe).
	assert.Equal(t, []string{"10.0.0.1:80:a"}, bodies(a.out))
	assert.Equal(t, []string{"10.0.0.1:80:b"}, bodies(b.out))
}
