package gui_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluice-go/sluice/gui"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/script"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fixture is a GUI server on a temporary folder, loading scripts as the
// command does, with its log.
type fixture struct {
	dir string
	srv *gui.Server
	web *httptest.Server
	log *gui.Log
}

func newFixture(t *testing.T, files map[string]string) *fixture {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	lg := gui.NewLog()
	logger := slog.New(slog.NewTextHandler(lg.Writer(""), nil))
	opts := script.Options{ListenHost: "127.0.0.1", Logger: logger}
	srv, err := gui.New(gui.Options{
		Dir: dir,
		Load: func(path string) (*pipeline.Module, error) {
			m, err := script.Load(path, opts)
			if err != nil {
				return nil, err
			}
			return m, m.Build()
		},
		Check: func(path, src string) (*pipeline.Module, error) {
			return script.LoadSource(path, src, script.Options{Logger: slog.New(slog.DiscardHandler)})
		},
		Start: func(m *pipeline.Module) (*pipeline.Program, error) {
			return pipeline.Start(m, pipeline.StartOptions{Workers: 1, WorkerOptions: pipeline.WorkerOptions{Logger: logger}})
		},
		Log:    lg,
		Logger: logger,
	})
	require.NoError(t, err)
	web := httptest.NewServer(srv)
	t.Cleanup(func() {
		web.Close()
		srv.Close()
	})
	return &fixture{dir: dir, srv: srv, web: web, log: lg}
}

// do sends a request with a raw path (not cleaned, so ".." reaches the
// server) and returns the status, the Content-Type and the body.
func (f *fixture) do(t *testing.T, method, path, body string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(method, f.web.URL, strings.NewReader(body))
	require.NoError(t, err)
	req.URL.Opaque = path // sent as is
	resp, err := f.web.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

// json sends a request and decodes its JSON answer into v (when not nil),
// checking the status.
func (f *fixture) json(t *testing.T, method, path, body string, status int, v any) string {
	t.Helper()
	code, ct, b := f.do(t, method, path, body)
	require.Equal(t, status, code, "%s %s: %s", method, path, b)
	assert.Equal(t, "application/json", ct, "%s %s", method, path)
	if v != nil {
		require.NoError(t, json.Unmarshal([]byte(b), v), b)
	}
	return b
}

type apiError struct {
	Error  string `json:"error"`
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
}

func TestFilesTreeIsSortedWithoutDotFiles(t *testing.T) {
	f := newFixture(t, map[string]string{
		"main.js": "", "b.js": "", ".hidden": "", ".git/config": "", "sub/x.js": "", "sub/a/y.js": "", "a.txt": "",
	})
	var top gui.Entry
	f.json(t, "GET", "/api/files", "", 200, &top)
	var walk func(e *gui.Entry) []string
	walk = func(e *gui.Entry) []string {
		out := []string{e.Path}
		for _, c := range e.Children {
			out = append(out, walk(c)...)
		}
		return out
	}
	assert.Equal(t, []string{"/", "/sub", "/sub/a", "/sub/a/y.js", "/sub/x.js", "/a.txt", "/b.js", "/main.js"}, walk(&top))
	assert.True(t, top.Children[0].Dir)

	// A link to a folder above it is listed, not followed round and round.
	require.NoError(t, os.Symlink("..", filepath.Join(f.dir, "sub", "up")))
	top = gui.Entry{}
	f.json(t, "GET", "/api/files", "", 200, &top)
	assert.Equal(t, []string{"/", "/sub", "/sub/a", "/sub/a/y.js", "/sub/up", "/sub/x.js", "/a.txt", "/b.js", "/main.js"}, walk(&top))
}

func TestFilesReadWriteDelete(t *testing.T) {
	f := newFixture(t, map[string]string{"main.js": "pipy()\n", "sub/x.js": "x"})
	code, ct, body := f.do(t, "GET", "/api/files/sub/x.js", "")
	assert.Equal(t, 200, code)
	assert.Equal(t, "x", body)
	assert.Contains(t, ct, "javascript")

	var e apiError
	f.json(t, "GET", "/api/files/sub", "", 404, &e)
	assert.Contains(t, e.Error, "is a directory")
	f.json(t, "GET", "/api/files/nothing.js", "", 404, &e)
	assert.Contains(t, e.Error, "/nothing.js")

	f.json(t, "POST", "/api/files/new/deep/n.js", "hello", 201, nil)
	b, err := os.ReadFile(filepath.Join(f.dir, "new", "deep", "n.js"))
	require.NoError(t, err)
	assert.Equal(t, "hello", string(b))
	f.json(t, "POST", "/api/files/new/deep/n.js", "again", 201, nil)
	_, _, body = f.do(t, "GET", "/api/files/new/deep/n.js", "")
	assert.Equal(t, "again", body)
	f.json(t, "POST", "/api/files/sub", "x", 409, &e)
	// A replaced file keeps its mode, and no temporary file is left.
	require.NoError(t, os.Chmod(filepath.Join(f.dir, "sub", "x.js"), 0o600))
	f.json(t, "POST", "/api/files/sub/x.js", "y", 201, nil)
	fi, err := os.Stat(filepath.Join(f.dir, "sub", "x.js"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	des, err := os.ReadDir(filepath.Join(f.dir, "sub"))
	require.NoError(t, err)
	require.Len(t, des, 1, "only x.js")

	code, ct, _ = f.do(t, "DELETE", "/api/files/new/deep/n.js", "")
	assert.Equal(t, 204, code)
	assert.Equal(t, "application/json", ct)
	assert.NoFileExists(t, filepath.Join(f.dir, "new", "deep", "n.js"))
	f.json(t, "DELETE", "/api/files/new/deep/n.js", "", 404, &e)
	f.json(t, "PATCH", "/api/files/main.js", "", 405, &e)
	f.json(t, "GET", "/api/nothing", "", 404, &e)
}

func TestFilesStayInTheFolder(t *testing.T) {
	outside := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(outside, "secret"), []byte("s"), 0o644))
	f := newFixture(t, map[string]string{"main.js": "", "in/x.js": "x"})
	require.NoError(t, os.Symlink(outside, filepath.Join(f.dir, "out")))
	require.NoError(t, os.Symlink(filepath.Join(outside, "secret"), filepath.Join(f.dir, "secret")))
	require.NoError(t, os.Symlink(filepath.Join(outside, "nothing"), filepath.Join(f.dir, "dangling")))
	require.NoError(t, os.Symlink("in", filepath.Join(f.dir, "alias"))) // stays inside: allowed

	for _, c := range []struct{ method, path string }{
		{"GET", "/api/files/../../etc/passwd"},
		{"POST", "/api/files/../../x"},
		{"POST", "/api/files/in/../../x"},
		{"GET", "/api/files/%2e%2e/%2e%2e/etc/passwd"},
		{"GET", "/api/files//etc/passwd"},
		{"GET", "/api/files/out/secret"},
		{"POST", "/api/files/out/new"},
		{"POST", "/api/files/out/sub/new"},
		{"DELETE", "/api/files/out/secret"},
		{"GET", "/api/files/secret"},
		{"POST", "/api/files/secret"},
		{"POST", "/api/files/dangling"},
		{"POST", "/api/graph?path=/../x.js"},
	} {
		var e apiError
		f.json(t, c.method, c.path, "pwned", 403, &e)
		assert.Contains(t, e.Error, "outside the served folder", c)
	}
	assert.NoFileExists(t, filepath.Join(filepath.Dir(f.dir), "x"))
	assert.NoFileExists(t, filepath.Join(outside, "new"))
	assert.NoFileExists(t, filepath.Join(outside, "nothing"))
	b, _ := os.ReadFile(filepath.Join(outside, "secret"))
	assert.Equal(t, "s", string(b))

	code, _, body := f.do(t, "GET", "/api/files/alias/x.js", "")
	assert.Equal(t, 200, code)
	assert.Equal(t, "x", body)
	// Saving through a link inside the folder writes its target.
	require.NoError(t, os.Symlink("in/x.js", filepath.Join(f.dir, "x-link.js")))
	f.json(t, "POST", "/api/files/x-link.js", "via the link", 201, nil)
	b, _ = os.ReadFile(filepath.Join(f.dir, "in", "x.js"))
	assert.Equal(t, "via the link", string(b))
	li, err := os.Lstat(filepath.Join(f.dir, "x-link.js"))
	require.NoError(t, err)
	assert.NotZero(t, li.Mode()&os.ModeSymlink, "still a link")
	var top gui.Entry
	f.json(t, "GET", "/api/files", "", 200, &top)
	for _, c := range top.Children {
		assert.NotContains(t, []string{"out", "secret", "dangling"}, c.Name, "links out of the folder are not listed")
	}
}

// get fetches url with a fresh connection, for a program's port.
func get(t *testing.T, url string) (string, error) {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

type started struct {
	Path  string   `json:"path"`
	Addrs []string `json:"addrs"`
}

func TestProgramStartsSwitchesAndStops(t *testing.T) {
	f := newFixture(t, map[string]string{
		// Two addresses that are both port 0 on loopback but differ as
		// strings, so that the programs listen on different ports.
		"a.js":   "pipy().listen('127.0.0.1:0').decodeHttpRequest().replaceMessage(new Message('A')).encodeHttpResponse()\n",
		"b/b.js": "pipy().listen('127.0.0.1:00').decodeHttpRequest().replaceMessage(new Message('B')).encodeHttpResponse()\n",
		"bad.js": "pipy()\n.listen(8080)\n  .serveHTTP(new Message('x')\n",
	})
	var p struct{ Path string }
	f.json(t, "GET", "/api/program", "", 200, &p)
	assert.Equal(t, "", p.Path)

	var a started
	f.json(t, "POST", "/api/program", `{"path": "/a.js"}`, 201, &a)
	require.Len(t, a.Addrs, 1)
	body, err := get(t, "http://"+a.Addrs[0]+"/")
	require.NoError(t, err)
	assert.Equal(t, "A", body)
	f.json(t, "GET", "/api/program", "", 200, &p)
	assert.Equal(t, "/a.js", p.Path)

	// A script that does not load: 400 with where, and A keeps running.
	var e apiError
	f.json(t, "POST", "/api/program", "/bad.js", 400, &e)
	assert.Equal(t, "/bad.js", e.File)
	assert.Equal(t, 4, e.Line)
	assert.Positive(t, e.Column)
	assert.Contains(t, e.Error, "/bad.js:4:")
	assert.NotContains(t, e.Error, f.dir, "paths are the API's")
	body, err = get(t, "http://"+a.Addrs[0]+"/")
	require.NoError(t, err)
	assert.Equal(t, "A", body)
	f.json(t, "POST", "/api/program", "/nothing.js", 400, &e)
	f.json(t, "POST", "/api/program", "/../x.js", 403, &e)
	f.json(t, "POST", "/api/program", "", 400, &e)

	// Switching to B closes A's port.
	var b started
	f.json(t, "POST", "/api/program", "/b/b.js", 201, &b)
	require.Len(t, b.Addrs, 1)
	body, err = get(t, "http://"+b.Addrs[0]+"/")
	require.NoError(t, err)
	assert.Equal(t, "B", body)
	_, err = get(t, "http://"+a.Addrs[0]+"/")
	assert.Error(t, err, "A's port is closed")
	f.json(t, "GET", "/api/program", "", 200, &p)
	assert.Equal(t, "/b/b.js", p.Path)

	code, ct, _ := f.do(t, "DELETE", "/api/program", "")
	assert.Equal(t, 204, code)
	assert.Equal(t, "application/json", ct)
	_, err = get(t, "http://"+b.Addrs[0]+"/")
	assert.Error(t, err, "B's port is closed")
	f.json(t, "GET", "/api/program", "", 200, &p)
	assert.Equal(t, "", p.Path)
	f.json(t, "PUT", "/api/program", "", 405, &e)
}

// flat lists a graph as "kind name" lines, indented by depth, marking
// recursive and fork nodes.
func flat(nodes []*pipeline.GraphNode) string {
	var b strings.Builder
	var walk func(n *pipeline.GraphNode, depth int)
	walk = func(n *pipeline.GraphNode, depth int) {
		b.WriteString(strings.Repeat("  ", depth) + n.Kind + " " + n.Name)
		if n.Recursive {
			b.WriteString(" (recursive)")
		}
		if n.Missing {
			b.WriteString(" (missing)")
		}
		b.WriteString("\n")
		for _, k := range n.Nodes {
			walk(k, depth+1)
		}
	}
	for _, n := range nodes {
		walk(n, 0)
	}
	return b.String()
}

type graphAnswer struct {
	Path    string                `json:"path"`
	Graph   []*pipeline.GraphNode `json:"graph"`
	Problem *apiError             `json:"problem"`
}

const linkingScript = `pipy()
.listen(8080)
  .decodeHttpRequest()
  .demux('req')
  .encodeHttpResponse()
.pipeline('req')
  .fork('log')
  .link('a', () => true, 'b')
.pipeline('a')
  .mux('up')
.pipeline('up')
  .connect('127.0.0.1:1')
.pipeline('b')
  .use('mod.js', 'entry')
.pipeline('log')
  .dummy()
.task()
  .print()
`

func TestGraphOfAScriptFollowsEveryLinkingFilter(t *testing.T) {
	f := newFixture(t, map[string]string{"mod.js": "pipy().pipeline('entry').dummy()\n"})
	var g graphAnswer
	f.json(t, "POST", "/api/graph?path=/main.js", linkingScript, 200, &g)
	assert.Nil(t, g.Problem)
	assert.Equal(t, "/main.js", g.Path)
	modName := filepath.Join(f.dir, "mod.js")
	assert.Equal(t, `listen Listen on :8080
  filter decodeHttpRequest
  filter demux
    pipeline req
      filter fork
        pipeline log
          filter dummy
      filter link
        pipeline a
          filter mux
            pipeline up
              filter connect
        pipeline b
          filter use
            pipeline `+modName+`:entry
              filter dummy
  filter encodeHttpResponse
task Task (once)
  filter print
`, flat(g.Graph))

	// Nothing ran: no port is open, the log is empty.
	lines, _ := f.log.Since(0)
	assert.Empty(t, lines)
}

func TestGraphMarksARecursivePipelineAndPlacesSyntaxErrors(t *testing.T) {
	f := newFixture(t, nil)
	var g graphAnswer
	f.json(t, "POST", "/api/graph?path=/sub/r.js", "pipy()\n.listen(8080)\n  .link('a')\n.pipeline('a')\n  .link('b')\n.pipeline('b')\n  .link('a')\n", 200, &g)
	assert.Equal(t, `listen Listen on :8080
  filter link
    pipeline a
      filter link
        pipeline b
          filter link
            pipeline a (recursive)
`, flat(g.Graph))
	require.NotNil(t, g.Problem)
	assert.Equal(t, "/sub/r.js", g.Problem.File)
	assert.Equal(t, 7, g.Problem.Line)
	assert.Contains(t, g.Problem.Error, "recursive pipeline: a → b → a")

	var e apiError
	f.json(t, "POST", "/api/graph?path=/x.js", "pipy()\n.listen(8080)\n  .link('a'\n", 400, &e)
	assert.Equal(t, "/x.js", e.File)
	assert.Equal(t, 4, e.Line)
	assert.Contains(t, e.Error, "/x.js:4:")
	f.json(t, "POST", "/api/graph?path=/x.js", "pipy()\n.listen(8080)\n  .dummy()\nthrow new Error('boom')\n", 400, &e)
	assert.Equal(t, 4, e.Line)
	assert.Contains(t, e.Error, "boom")
	f.json(t, "GET", "/api/graph", "", 405, &e)
}

func TestGraphMarksPipelinesNobodyDefines(t *testing.T) {
	f := newFixture(t, nil)
	var g graphAnswer
	src := "// names two pipelines it lacks\nconst x = 1;\npipy()\n.listen(8080)\n  .demux('nowhere')\n  .link('gone', () => true, 'there')\n.pipeline('there')\n  .fork('gone')\n  .dummy();\nconsole.log(x)\n"
	f.json(t, "POST", "/api/graph?path=/x.js", src, 200, &g)
	assert.Equal(t, `listen Listen on :8080
  filter demux
    pipeline nowhere (missing)
  filter link
    pipeline gone (missing)
    pipeline there
      filter fork
        pipeline gone (missing)
      filter dummy
`, flat(g.Graph))
	require.NotNil(t, g.Problem, "the first unknown name is the problem to mark")
	assert.Equal(t, 5, g.Problem.Line)
	assert.Contains(t, g.Problem.Error, `demux: unknown pipeline "nowhere"`)
}

func TestConfigIsTheRunningProgramsGraph(t *testing.T) {
	f := newFixture(t, map[string]string{"m.js": "pipy().listen('127.0.0.1:0').link('x').pipeline('x').dummy()\n"})
	var g graphAnswer
	f.json(t, "GET", "/api/config", "", 200, &g)
	assert.Equal(t, "", g.Path)
	assert.NotNil(t, g.Graph)
	assert.Empty(t, g.Graph)
	f.json(t, "POST", "/api/program", "/m.js", 201, nil)
	f.json(t, "GET", "/api/config", "", 200, &g)
	assert.Equal(t, "/m.js", g.Path)
	assert.Equal(t, "listen Listen on 127.0.0.1:0\n  filter link\n    pipeline x\n      filter dummy\n", flat(g.Graph))
}

type logAnswer struct {
	Lines []gui.Line `json:"lines"`
}

func TestLogKeepsTheLastLinesAndStreamsNewOnes(t *testing.T) {
	f := newFixture(t, nil)
	w := f.log.Writer("")
	io.WriteString(w, "time=x level=WARN msg=first\nlevel=ERROR msg=sec")
	io.WriteString(w, "ond\nplain\n")
	io.WriteString(f.log.Writer("print"), "printed\n")
	var l logAnswer
	f.json(t, "GET", "/api/log", "", 200, &l)
	assert.Equal(t, []gui.Line{
		{Index: 0, Level: "warn", Text: "time=x level=WARN msg=first"},
		{Index: 1, Level: "error", Text: "level=ERROR msg=second"},
		{Index: 2, Level: "info", Text: "plain"},
		{Index: 3, Level: "print", Text: "printed"},
	}, l.Lines)
	f.json(t, "GET", "/api/log?since=3", "", 200, &l)
	assert.Equal(t, []gui.Line{{Index: 3, Level: "print", Text: "printed"}}, l.Lines)
	f.json(t, "GET", "/api/log?since=9", "", 200, &l)
	assert.Empty(t, l.Lines)
	f.json(t, "GET", "/api/log?since=x", "", 400, nil)

	for i := range gui.LogSize + 5 {
		f.log.Add("info", "n"+strings.Repeat("x", i%3))
	}
	f.json(t, "GET", "/api/log", "", 200, &l)
	require.Len(t, l.Lines, gui.LogSize)
	assert.Equal(t, 9, l.Lines[0].Index, "the oldest lines are dropped")

	// The stream sends what is newer than since, then each new line.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", f.web.URL+"/api/log/stream?since=1008", nil)
	resp, err := f.web.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	rd := bufio.NewReader(resp.Body)
	next := func() gui.Line {
		t.Helper()
		var id string
		for {
			s, err := rd.ReadString('\n')
			require.NoError(t, err)
			s = strings.TrimRight(s, "\n")
			switch {
			case strings.HasPrefix(s, "id: "):
				id = s[4:]
			case strings.HasPrefix(s, "data: "):
				var l gui.Line
				require.NoError(t, json.Unmarshal([]byte(s[6:]), &l))
				assert.Equal(t, id, strconv.Itoa(l.Index))
				return l
			}
		}
	}
	assert.Equal(t, 1008, next().Index)
	f.log.Add("dump", "live")
	assert.Equal(t, gui.Line{Index: 1009, Level: "dump", Text: "live"}, next())
}

func TestARunningProgramLogsToTheLog(t *testing.T) {
	f := newFixture(t, map[string]string{"p.js": "pipy().listen('127.0.0.1:0').decodeHttpRequest().onMessageStart(() => console.log('got a request')).replaceMessage(new Message('ok')).encodeHttpResponse()\n"})
	var s started
	f.json(t, "POST", "/api/program", "/p.js", 201, &s)
	_, changed := f.log.Since(1 << 30)
	body, err := get(t, "http://"+s.Addrs[0]+"/")
	require.NoError(t, err)
	assert.Equal(t, "ok", body)
	deadline := time.After(10 * time.Second)
	for {
		lines, ch := f.log.Since(0)
		for _, l := range lines {
			if strings.Contains(l.Text, "got a request") {
				return
			}
		}
		select {
		case <-ch:
		case <-changed:
			changed = nil
		case <-deadline:
			t.Fatalf("no log line; have %v", lines)
		}
	}
}

func TestAssetsAreGzippedAndCached(t *testing.T) {
	f := newFixture(t, nil)
	req, _ := http.NewRequest("GET", f.web.URL+"/", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
	assert.Contains(t, resp.Header.Get("Content-Type"), "text/html")
	etag := resp.Header.Get("ETag")
	require.NotEmpty(t, etag)
	assert.NotEmpty(t, resp.Header.Get("Cache-Control"))

	req.Header.Set("If-None-Match", etag)
	resp, err = (&http.Transport{DisableCompression: true}).RoundTrip(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 304, resp.StatusCode)

	code, ct, body := f.do(t, "GET", "/", "")
	assert.Equal(t, 200, code)
	assert.Contains(t, ct, "text/html")
	assert.Contains(t, body, "<title>")
	code, _, _ = f.do(t, "GET", "/nothing.css", "")
	assert.Equal(t, 404, code)
}

func TestOtherSitesAndHostNamesAreRefused(t *testing.T) {
	f := newFixture(t, map[string]string{"main.js": "pipy()\n"})
	send := func(method, path string, hdr map[string]string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, f.web.URL+path, strings.NewReader("pwned"))
		require.NoError(t, err)
		for k, v := range hdr {
			if k == "Host" {
				req.Host = v
			} else {
				req.Header.Set(k, v)
			}
		}
		resp, err := f.web.Client().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	// A page of another site posting to the GUI (no preflight for a
	// text/plain body) must not write a file nor start a program.
	code, body := send("POST", "/api/files/main.js", map[string]string{"Sec-Fetch-Site": "cross-site"})
	assert.Equal(t, 403, code)
	assert.Contains(t, body, "cross-origin request refused")
	code, _ = send("POST", "/api/program", map[string]string{"Origin": "http://evil.example"})
	assert.Equal(t, 403, code)
	code, _ = send("DELETE", "/api/files/main.js", map[string]string{"Origin": "http://evil.example"})
	assert.Equal(t, 403, code)
	b, _ := os.ReadFile(filepath.Join(f.dir, "main.js"))
	assert.Equal(t, "pipy()\n", string(b))

	// A domain made to resolve to this machine (DNS rebinding) reads nothing.
	code, body = send("GET", "/api/files/main.js", map[string]string{"Host": "evil.example:6060"})
	assert.Equal(t, 403, code)
	assert.Contains(t, body, "unknown host name")

	// The page itself, by IP or localhost, same-origin, works.
	for _, host := range []string{"127.0.0.1:6060", "localhost:6060", "[::1]:6060", "localhost"} {
		code, _ = send("POST", "/api/files/ok.js", map[string]string{"Host": host, "Sec-Fetch-Site": "same-origin", "Origin": "http://" + host})
		assert.Equal(t, 201, code, host)
	}
}
