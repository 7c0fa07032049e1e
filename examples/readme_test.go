package examples_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadmeScriptingSnippet runs the README's JavaScript snippet as it is
// printed there, with only its upstream address pointed at a test server
// (and its listen port, as for every example, moved to a free one).
func TestReadmeScriptingSnippet(t *testing.T) {
	leakCheck(t)
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	_, rest, ok := strings.Cut(string(readme), "```js\n")
	require.True(t, ok, "README has a js block")
	snippet, _, ok := strings.Cut(rest, "```")
	require.True(t, ok)
	require.Contains(t, snippet, "'127.0.0.1:8081'")

	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "upstream saw "+r.URL.Path+" via "+r.Header.Get("X-Via"))
	}))
	defer up.Close()
	dir := t.TempDir()
	src := strings.Replace(snippet, "'127.0.0.1:8081'", "'"+strings.TrimPrefix(up.URL, "http://")+"'", 1)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.js"), []byte(src), 0o644))
	p := start(t, dir, nil)

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	for _, path := range []string{"/a", "/b"} {
		resp, err := (&http.Client{Transport: tr}).Get(p.url(path))
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, "upstream saw "+path+" via sluice", string(body))
	}
}
