package script

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/dop251/goja"
	"github.com/sluice-go/sluice/codec/hessian"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestInstallGlobalsNames(t *testing.T) {
	h := newFakeHost(t, t.TempDir())
	names := []string{
		"os.readFile", "os.writeFile", "os.readDir", "os.stat",
		"URL",
		"algo.URLRouter", "algo.Cache", "algo.RoundRobinLoadBalancer", "algo.HashingLoadBalancer",
		"algo.LeastWorkLoadBalancer", "algo.ResourcePool",
		"http.File", "http.File.from",
		"crypto.Hash", "crypto.Hmac", "crypto.Cipher", "crypto.Decipher", "crypto.Sign", "crypto.Verify",
		"crypto.PrivateKey", "crypto.PublicKey", "crypto.Certificate", "crypto.JWK", "crypto.JWT",
		"XML.parse", "XML.stringify", "XML.decode", "XML.encode", "XML.Node",
		"Hessian.decode", "Hessian.encode",
	}
	for _, n := range names {
		assert.Equal(t, "function", h.runString(t, "typeof "+n), n)
	}
	assert.Equal(t, "object", h.runString(t, "typeof os.env"))
	// Constructors carry their Pipy names.
	assert.Equal(t, "algo.Cache crypto.JWT http.File URL", h.runString(t, `[algo.Cache.name, crypto.JWT.name, http.File.name, URL.name].join(' ')`))
	// Methods are not enumerable: objects print as data.
	assert.Equal(t, "[]", h.runString(t, `JSON.stringify(Object.keys(Object.getPrototypeOf(new algo.Cache())))`))
	// The Go value behind an object is out of the script's reach.
	assert.Equal(t, "[]", h.runString(t, `JSON.stringify(Object.getOwnPropertyNames(new algo.Cache()))`))
}

func TestInstallGlobalsKeepsExistingObjects(t *testing.T) {
	h := &fakeHost{vm: goja.New(), dir: t.TempDir()}
	h.logger = slog.New(slog.NewTextHandler(&h.logs, nil))
	h.dataProto = h.vm.NewObject()
	_, err := h.vm.RunString(`var http = { Agent: 'kept' }`)
	require.NoError(t, err)
	require.NoError(t, installGlobals(h))
	assert.Equal(t, "kept function", h.runString(t, `http.Agent + ' ' + typeof http.File`))
}

func TestSameValueKey(t *testing.T) {
	vm := goja.New()
	v := func(src string) goja.Value {
		r, err := vm.RunString(src)
		require.NoError(t, err)
		return r
	}
	o := v(`({})`)
	assert.Equal(t, sameValueKey(v(`1`)), sameValueKey(v(`1.0`)))
	assert.Equal(t, sameValueKey(v(`0`)), sameValueKey(v(`-0`)))
	assert.Equal(t, sameValueKey(v(`NaN`)), sameValueKey(v(`0/0`)))
	assert.True(t, sameValueKey(o) == sameValueKey(o))
	assert.True(t, sameValueKey(o) != sameValueKey(v(`({})`)), "objects are keys by identity")
	assert.NotEqual(t, sameValueKey(v(`'1'`)), sameValueKey(v(`1`)))
	assert.NotEqual(t, sameValueKey(v(`null`)), sameValueKey(v(`undefined`)))
	assert.NotEqual(t, sameValueKey(v(`true`)), sameValueKey(v(`'true'`)))
	assert.Equal(t, sameValueKey(v(`true`)), sameValueKey(v(`!0`)))
	assert.Equal(t, sameValueKey(v(`10n`)), sameValueKey(v(`5n * 2n`)))
	assert.NotEqual(t, sameValueKey(v(`10n`)), sameValueKey(v(`'10'`)))
	sym := v(`Symbol('s')`)
	assert.True(t, sameValueKey(sym) == sameValueKey(sym))
	assert.True(t, sameValueKey(sym) != sameValueKey(v(`Symbol('s')`)))
	assert.True(t, sameValueKey(sym) != sameValueKey(v(`'Symbol(s)'`)))
}

func TestDecodeEncodeText(t *testing.T) {
	for _, enc := range []string{"hex", "base64", "base64url", "utf8"} {
		s, ok := encodeText([]byte("hi?>"), enc)
		require.True(t, ok, enc)
		b, err := decodeText(s, enc)
		require.NoError(t, err, enc)
		assert.Equal(t, "hi?>", string(b), enc)
	}
	b, err := decodeText("aGk", "base64")
	require.NoError(t, err)
	assert.Equal(t, "hi", string(b))
	_, err = decodeText("x", "rot13")
	assert.ErrorContains(t, err, "unknown encoding")
	_, ok := encodeText(nil, "rot13")
	assert.False(t, ok)
}

// TestGlobalsWithCore runs the modules in a real script runtime: Data and
// Message objects made by the core pass through them.
func TestGlobalsWithCore(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string][]byte{
		"www/index.html": []byte("<h1>hi</h1>"),
		"cfg.json":       []byte(`{"secret": "k"}`),
		"main.js": []byte(`
pipy({
  _router: new algo.URLRouter({ '/static/*': 'static', '/sign': 'sign', '/hessian': 'hessian' }),
  _file: http.File.from('/www/index.html'),
  _cfg: JSON.parse(os.readFile('cfg.json').toString()),
  _rr: new algo.RoundRobinLoadBalancer(['a:1', 'b:2']),
})
.pipeline('p')
  .replaceMessage(msg => {
    var route = _router.find(msg.head.headers.host, msg.head.path);
    switch (route) {
      case 'static': return _file.toMessage(msg.head.headers['accept-encoding']);
      case 'sign': return new Message({ status: 200 },
        new crypto.Hmac('sha256', _cfg.secret).update(msg.body).digest('hex') + ' ' + _rr.select());
      case 'hessian': return new Message({ status: 200 }, Hessian.encode(Hessian.decode(msg.body)));
    }
    return new Message({ status: 404 }, new URL(msg.head.path, 'http://x').pathname);
  })
`),
	})
	m, err := Load(filepath.Join(dir, "main.js"), Options{Logger: pipelinetest.TestLogger(t)})
	require.NoError(t, err)
	p := m.Find("p")
	require.NotNil(t, p)
	h := pipelinetest.New(t, p)
	head := func(path string) map[string]any {
		return map[string]any{"method": "GET", "path": path, "headers": map[string]any{"host": "h", "accept-encoding": "br"}}
	}
	hess, err := hessian.EncodeAll([]any{"x", int32(1)})
	require.NoError(t, err)
	h.InputMessage(head("/static/a"), "").
		InputMessage(head("/sign"), "data").
		InputMessage(head("/hessian"), string(hess)).
		InputMessage(head("/nowhere?q"), "").End()
	msgs := h.Messages()
	require.Len(t, msgs, 4)

	assert.Equal(t, "<h1>hi</h1>", msgs[0].Body.String())
	h0, ok := msgs[0].Head.(map[string]any)
	require.True(t, ok, "head %T", msgs[0].Head)
	assert.EqualValues(t, 200, h0["status"])
	assert.Equal(t, "text/html", h0["headers"].(map[string]any)["content-type"])

	mac := hmac.New(sha256.New, []byte("k"))
	mac.Write([]byte("data"))
	assert.Equal(t, hex.EncodeToString(mac.Sum(nil))+" a:1", msgs[1].Body.String())
	assert.Equal(t, hess, msgs[2].Body.Bytes())
	assert.Equal(t, "/nowhere", msgs[3].Body.String())
}
