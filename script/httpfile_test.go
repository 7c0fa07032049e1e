package script

import (
	"bytes"
	"compress/gzip"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func gzipBytes(t *testing.T, s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	_, err := w.Write([]byte(s))
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return b.Bytes()
}

func writeFiles(t *testing.T, dir string, files map[string][]byte) {
	for name, b := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, b, 0o600))
	}
}

func TestAcceptedEncodings(t *testing.T) {
	for _, c := range []struct {
		h      string
		gz, br bool
	}{
		{"", false, false},
		{"gzip", true, false},
		{"deflate, GZIP;q=0.5, br", true, true},
		{"gzip;q=0, br;q=1.0", false, true},
		{"gzipx, xbr", false, false},
		{" br ; q=0.0 ", false, false},
	} {
		gz, br := acceptedEncodings(c.h)
		assert.Equal(t, [2]bool{c.gz, c.br}, [2]bool{gz, br}, c.h)
	}
}

func TestLoadStaticFile(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	writeFiles(t, root, map[string][]byte{
		"www/index.html":     []byte("<h1>home</h1>"),
		"www/app.JS":         []byte("js"),
		"www/app.JS.gz":      gzipBytes(t, "js"),
		"www/only.css.gz":    gzipBytes(t, "body{}"),
		"www/only.svg.br":    []byte("brotli"),
		"www/data.unknown":   []byte("?"),
		"www/dir/index.html": []byte("dir"),
	})
	writeFiles(t, outside, map[string][]byte{"secret": []byte("s")})
	require.NoError(t, os.Symlink(filepath.Join(outside, "secret"), filepath.Join(root, "www", "link")))

	f, err := loadStaticFile(root, "/www/app.JS")
	require.NoError(t, err)
	assert.Equal(t, "application/javascript", f.contentType)
	status, enc, body := f.response("gzip, deflate")
	assert.Equal(t, 200, status)
	assert.Equal(t, "gzip", enc)
	assert.Equal(t, gzipBytes(t, "js"), body)
	status, enc, body = f.response("")
	assert.Equal(t, 200, status)
	assert.Equal(t, "", enc)
	assert.Equal(t, "js", string(body))

	f, err = loadStaticFile(root, "www/only.css")
	require.NoError(t, err)
	_, enc, body = f.response("identity")
	assert.Equal(t, "", enc)
	assert.Equal(t, "body{}", string(body), "inflated from .gz")
	assert.Equal(t, "text/css", f.contentType)

	f, err = loadStaticFile(root, "www/only.svg")
	require.NoError(t, err)
	_, enc, _ = f.response("br")
	assert.Equal(t, "br", enc)
	status, _, _ = f.response("gzip")
	assert.Equal(t, 406, status)

	for _, p := range []string{"www", "/www/", "www/dir", "www/dir/"} {
		f, err = loadStaticFile(root, p)
		require.NoError(t, err, p)
		assert.Equal(t, "text/html", f.contentType, p)
	}
	f, err = loadStaticFile(root, "www/data.unknown")
	require.NoError(t, err)
	assert.Equal(t, "application/octet-stream", f.contentType)

	for _, p := range []string{"www/missing", "../" + filepath.Base(outside) + "/secret", "/../../etc/passwd", "www/link", ""} {
		_, err = loadStaticFile(root, p)
		assert.ErrorIs(t, err, errFileNotFound, p)
	}
}

func TestJSHTTPFile(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string][]byte{
		"index.html":    []byte("<p>hi</p>"),
		"index.html.gz": gzipBytes(t, "<p>hi</p>"),
	})
	h := newFakeHost(t, root)
	h.run(t, `var f = http.File.from('/index.html'), g = new http.File('/')`)
	assert.Equal(t, "200 text/html gzip", h.runString(t,
		`var m = f.toMessage('gzip'); [m.head.status, m.head.headers['content-type'], m.head.headers['content-encoding']].join(' ')`))
	assert.Equal(t, hex.EncodeToString(gzipBytes(t, "<p>hi</p>")), h.runString(t, `__hex(m.body)`))
	assert.Equal(t, "200 text/html  <p>hi</p>", h.runString(t,
		`var m2 = g.toMessage(); [m2.head.status, m2.head.headers['content-type'], m2.head.headers['content-encoding'], m2.body.toString()].join(' ')`))
	assert.True(t, h.run(t, `http.File.from('nope.html') === null`).ToBoolean())
	h.throws(t, `new http.File('nope.html')`, "Error", "http.File: file not found: nope.html")
	h.throws(t, `http.File.from(1)`, "TypeError", "http.File.from: path must be a string")
	h.throws(t, `f.toMessage.call({})`, "TypeError", "http.File.toMessage: expected an http.File")
}
