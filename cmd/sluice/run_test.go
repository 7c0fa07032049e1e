package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sluice-go/sluice/script"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func runArgs(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(args, &o, &e, nil)
	return code, o.String(), e.String()
}

func TestVersionHelpAndFilterListings(t *testing.T) {
	code, out, _ := runArgs("--version")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "sluice "+Version)
	code, out, _ = runArgs("-h")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "Usage: sluice")

	code, out, _ = runArgs("--list-filters")
	require.Equal(t, 0, code)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	assert.Len(t, lines, len(script.Filters()), "every filter, one line each")
	for _, name := range []string{"connect(", "demux(", "mux(", "decodeHttpRequest(", "encodeDubbo(", "replaceMessage(", "dummy("} {
		assert.Contains(t, out, name)
	}
}

func TestBadUsageExitsTwoWithAMessage(t *testing.T) {
	code, _, errOut := runArgs()
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "no script given")
	code, _, errOut = runArgs("--bogus", "x.js")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "bogus")
	code, _, errOut = runArgs("--log-level=loud", "x.js")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "--log-level")
	code, _, errOut = runArgs("--gc-floor=-1", "x.js")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "--gc-floor")
}

func TestGCFloorOption(t *testing.T) {
	o, err := parse([]string{"x.js"}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, defaultGCFloor, o.gcFloor)
	o, err = parse([]string{"--gc-floor=0", "x.js"}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, 0, o.gcFloor)
}

func writeScript(t *testing.T, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "main.js")
	require.NoError(t, os.WriteFile(p, []byte(src), 0o644))
	return p
}

func TestVerifyAcceptsGoodScriptsAndNamesTheErrorInBadOnes(t *testing.T) {
	good := writeScript(t, "pipy().listen(8080).dummy()\n")
	code, out, _ := runArgs("--verify", good)
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "is valid")

	code, _, _ = runArgs("--verify", filepath.Dir(good))
	assert.Equal(t, 0, code, "a directory runs its main.js")

	bad := writeScript(t, "pipy()\n  .listen(8080)\n  .dummy(\n")
	code, _, errOut := runArgs("--verify", bad)
	assert.Equal(t, 1, code)
	assert.Regexp(t, regexp.MustCompile(`main\.js:\d+:\d+`), errOut, "a syntax error names file, line and column")

	unknown := writeScript(t, "pipy().listen(8080).link('nowhere')\n")
	code, _, errOut = runArgs("--verify", unknown)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "nowhere")

	code, _, errOut = runArgs("--verify", filepath.Join(t.TempDir(), "missing.js"))
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "missing.js")
}

func TestServesReloadsOnHangupAndDrainsOnTerm(t *testing.T) {
	v1 := "pipy().listen('127.0.0.1:0').decodeHttpRequest().replaceMessage(new Message('one\\n')).encodeHttpResponse()\n"
	path := writeScript(t, v1)
	sig, done, waitFor, _ := startRun(t, "--drain=1h", path)
	addr := waitFor(`msg=listening addr=(\S+)`)[1]
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr} // one keep-alive connection throughout
	get := func() string {
		t.Helper()
		res, err := client.Get("http://" + addr + "/")
		require.NoError(t, err)
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return string(b)
	}
	assert.Equal(t, "one\n", get())

	require.NoError(t, os.WriteFile(path, []byte(strings.Replace(v1, "one", "two", 1)), 0o644))
	sig <- syscall.SIGHUP
	waitFor(`msg=reloaded`)
	assert.Equal(t, "two\n", get(), "the keep-alive connection kept the old configuration")

	// The idle keep-alive connection is closed at once: no waiting for the
	// hour of --drain.
	sig <- syscall.SIGTERM
	waitFor(`msg=stopped`)
	select {
	case code := <-done:
		assert.Equal(t, 0, code)
	case <-time.After(20 * time.Second):
		t.Fatal("sluice did not exit after SIGTERM")
	}
}
