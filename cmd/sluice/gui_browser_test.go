package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// chromium returns the path of a Chromium (or Chrome) binary: $SLUICE_CHROMIUM,
// or one found on PATH; the test skips without one.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("SLUICE_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("SLUICE_CHROMIUM: %v", err) // CI sets it: do not skip there
		}
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no Chromium found (install Debian's chromium package, or set SLUICE_CHROMIUM): the GUI's browser test does not run; CI installs it")
	return ""
}

// browser starts a headless Chromium with a window of w×h and returns its
// context; the browser ends with the test. On failure the page's
// screenshot is written to the temporary folder and named in the log.
func browser(t *testing.T, w, h int) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(w, h),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() {
		if t.Failed() {
			sctx, c := context.WithTimeout(ctx, 10*time.Second)
			if png, err := chromedp.Run(sctx, chromedp.CaptureScreenshot()); err == nil {
				p := filepath.Join(os.TempDir(), "sluice-"+strings.ReplaceAll(t.Name(), "/", "-")+".png")
				if os.WriteFile(p, png, 0o644) == nil {
					t.Logf("screenshot of the page: %s", p)
				}
			}
			c()
		}
		cancelTime()
		cancelCtx()
		cancelAlloc()
	})
	require.NoError(t, chromedp.Do(ctx), "start Chromium")
	return ctx
}

// waitJS polls a JavaScript expression in the page until it is true (or
// the context's deadline).
func waitJS(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(0))
}

// lineOf is a JavaScript expression: the 1-based number of the editor line
// that carries the error marker, 0 when none does.
const errorLineJS = `[...document.querySelectorAll('.cm-content .cm-line')].findIndex(l => l.classList.contains('cm-errorLine')) + 1`

const browserScript = `pipy()

.listen('127.0.0.1:0')
  .decodeHttpRequest()
  .demux('answer')
  .encodeHttpResponse()

.pipeline('answer')
  .onMessageStart(e => console.log('request for ' + e.head.path))
  .replaceMessage(new Message('hello from the GUI\n'))
`

func TestGUIInABrowser(t *testing.T) {
	ctx := browser(t, 1280, 800)
	path := writeScript(t, browserScript)
	g := startGUI(t, filepath.Dir(path))
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		require.NoError(t, chromedp.Do(sctx, actions...), what)
	}
	names := func(what string) []string {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		out, err := chromedp.Run(sctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#graph .pipe-title, #graph .filter > .name')].map(e => e.innerText)`))
		require.NoError(t, err, what)
		return out
	}

	step("open the page and pick the file",
		chromedp.Navigate(g.url+"/"),
		chromedp.WaitVisible(chromedp.CSS(`#tree button[data-path="/main.js"]`)),
		chromedp.Click(chromedp.CSS(`#tree button[data-path="/main.js"]`)),
		waitJS(`document.querySelector('.cm-content').innerText.includes("replaceMessage")`),
		waitJS(`!!document.querySelector('#graph .pipe.listen')`),
	)

	// Break line 6, see the marker there, then fix it and save with Ctrl-S.
	step("break the script",
		chromedp.Click(chromedp.CSS(`.cm-content .cm-line:nth-child(6)`)),
		chromedp.KeyEvent(kb.End),
		chromedp.SendKeys(chromedp.CSS(`.cm-content`), " @"),
		waitJS(errorLineJS+` === 6`),
		waitJS(`document.querySelector('#error').innerText.includes('/main.js:6:')`),
		waitJS(`!!document.querySelector('.cm-lint-marker-error')`),
	)
	step("fix and save it",
		chromedp.KeyEvent(kb.Backspace),
		chromedp.KeyEvent(kb.Backspace),
		chromedp.SendKeys(chromedp.CSS(`.cm-content`), " // fixed"),
		waitJS(errorLineJS+` === 0`),
		chromedp.KeyEvent("s", chromedp.KeyModifiers(kb.ModifierCtrl)),
		waitJS(`!document.querySelector('#file-name').innerText.includes('•')`),
	)
	saved, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(saved), "  .encodeHttpResponse() // fixed\n")

	step("start it",
		chromedp.Click(chromedp.CSS(`#start`)),
		waitJS(`document.querySelector('#status').innerText.startsWith('running /main.js')`),
	)
	var p struct {
		Path  string
		Addrs []string
	}
	getJSON(t, g.url+"/api/program", &p)
	require.Len(t, p.Addrs, 1)
	resp, err := http.Get("http://" + p.Addrs[0] + "/from-the-browser-test")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, "hello from the GUI\n", string(body))

	step("see the request in the log console",
		waitJS(`[...document.querySelectorAll('#log div')].some(d => d.innerText.includes('request for /from-the-browser-test'))`),
	)

	want := []string{"Listen on 127.0.0.1:0", "decodeHttpRequest", "demux", "[answer]", "onMessageStart", "replaceMessage", "encodeHttpResponse"}
	assert.Equal(t, want, names("the script's flowchart"))
	step("see the running program's flowchart",
		chromedp.Click(chromedp.CSS(`#tab-running`)),
		waitJS(`document.querySelector('#tab-running').getAttribute('aria-selected') === 'true' && !!document.querySelector('#graph .pipe.listen')`),
	)
	assert.Equal(t, want, names("the running program's flowchart"))

	step("stop it",
		chromedp.Click(chromedp.CSS(`#stop`)),
		waitJS(`document.querySelector('#status').innerText === 'stopped'`),
	)
	_, err = http.Get("http://" + p.Addrs[0] + "/")
	assert.Error(t, err, "the program's port is closed")

	// With the keyboard alone: a new file in a new folder, opened at once.
	step("make a new file with the keyboard",
		chromedp.Focus(chromedp.CSS(`#new-file`)),
		chromedp.KeyEvent(kb.Enter),
		waitJS(`document.activeElement === document.querySelector('#new-name')`),
		chromedp.KeyEvent("sub/k.js"),
		chromedp.KeyEvent(kb.Enter),
		waitJS(`document.querySelector('#file-name').innerText === '/sub/k.js'`),
		chromedp.WaitVisible(chromedp.CSS(`#tree button[data-path="/sub/k.js"]`)),
	)
	assert.FileExists(t, filepath.Join(filepath.Dir(path), "sub", "k.js"))
}

// TestGUIScreenshot writes the screenshot the README shows, of the GUI with
// examples/router open, when SLUICE_GUI_SCREENSHOT names the file:
//
//	SLUICE_GUI_SCREENSHOT=$PWD/docs/gui.png go test ./cmd/sluice -run GUIScreenshot
func TestGUIScreenshot(t *testing.T) {
	out := os.Getenv("SLUICE_GUI_SCREENSHOT")
	if out == "" {
		t.Skip("set SLUICE_GUI_SCREENSHOT=FILE.png to write the README's screenshot")
	}
	ctx := browser(t, 1280, 800)
	dir := t.TempDir()
	for _, f := range []string{"README.md", "main.js"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "examples", "router", f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), b, 0o644))
	}
	g := startGUI(t, filepath.Join(dir, "main.js"))
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	require.NoError(t, chromedp.Do(sctx,
		chromedp.EmulateViewport(1280, 800),
		chromedp.Navigate(g.url+"/"),
		waitJS(`document.querySelector('#status').innerText.startsWith('running')`),
		waitJS(`document.querySelector('.cm-content').innerText.includes('URLRouter')`),
		waitJS(`!!document.querySelector('#graph .pipe.listen')`),
		waitJS(`document.querySelectorAll('#log div').length > 3`),
	))
	png, err := chromedp.Run(sctx, chromedp.CaptureScreenshot())
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(out, png, 0o644))
	fmt.Fprintln(os.Stderr, "wrote", out)
}
