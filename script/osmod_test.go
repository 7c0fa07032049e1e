package script

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJSOS(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.txt"), []byte("hello"), 0o600))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	t.Setenv("SLUICE_TEST_ENV", "yes=really")
	h := newFakeHost(t, dir)

	assert.Equal(t, "hello 5", h.runString(t, `var d = os.readFile('a.txt'); d.toString() + ' ' + d.size`))
	assert.Equal(t, "hello", h.runString(t, `os.readFile(`+quoteJS(filepath.Join(dir, "a.txt"))+`).toString()`))
	assert.True(t, h.run(t, `os.readFile('missing.txt') === null`).ToBoolean())
	assert.Contains(t, h.logs.String(), "os.readFile")

	assert.Equal(t, "yes=really", h.runString(t, `os.env.SLUICE_TEST_ENV`))

	assert.True(t, h.run(t, `os.writeFile('out.bin', __data('xyz'))`).ToBoolean())
	assert.True(t, h.run(t, `os.writeFile('out.txt', 'str')`).ToBoolean())
	b, err := os.ReadFile(filepath.Join(dir, "out.bin"))
	require.NoError(t, err)
	assert.Equal(t, "xyz", string(b))
	assert.False(t, h.run(t, `os.writeFile('nodir/x', 'str')`).ToBoolean())

	assert.Equal(t, "a.txt,out.bin,out.txt,sub", h.runString(t, `os.readDir('.').join()`))
	assert.True(t, h.run(t, `os.readDir('missing') === null`).ToBoolean())

	fi, err := os.Stat(filepath.Join(dir, "a.txt"))
	require.NoError(t, err)
	h.run(t, `var s = os.stat('a.txt'), ds = os.stat('sub')`)
	assert.Equal(t, "5 true false false true", h.runString(t, `[s.size, s.isFile(), s.isDirectory(), ds.isFile(), ds.isDirectory()].join(' ')`))
	assert.Equal(t, fi.ModTime().Unix(), h.run(t, `s.mtime`).ToInteger())
	assert.Equal(t, int64(0o100000|fi.Mode().Perm()), h.run(t, `s.mode`).ToInteger())
	assert.Equal(t, int64(0o040000), h.run(t, `ds.mode & 0o170000`).ToInteger())
	assert.True(t, h.run(t, `s.ino > 0 && s.nlink >= 1 && s.blksize > 0 && s.atime > 0 && s.ctime > 0`).ToBoolean())
	assert.True(t, h.run(t, `os.stat('missing') === null`).ToBoolean())
	assert.False(t, h.run(t, `s.isSymbolicLink() || s.isSocket() || s.isFIFO() || s.isBlockDevice() || s.isCharacterDevice()`).ToBoolean())
	h.throws(t, `s.isFile.call({})`, "TypeError", "os.Stats.isFile: expected an os.Stats object")
	h.throws(t, `os.readFile()`, "TypeError", "os.readFile: path must be a string")
	h.throws(t, `os.writeFile('x', 1)`, "TypeError", "os.writeFile: data must be a Data object or a string")
}

func quoteJS(s string) string {
	b := []byte{'"'}
	for _, r := range s {
		if r == '"' || r == '\\' {
			b = append(b, '\\')
		}
		b = append(b, string(r)...)
	}
	return string(append(b, '"'))
}
