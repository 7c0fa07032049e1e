package gui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzRel checks that no API path leads out of the served folder: rel
// refuses it, or the path it returns, joined to the folder, stays in it
// (and, where it exists, resolves inside it).
func FuzzRel(f *testing.F) {
	for _, s := range []string{"/x.js", "/sub/x.js", "/../x", "//etc/passwd", "/a/../../b", "/out/secret", "/in/./x", "/.", "/", "", "/a\\..\\b", "/link/..", "/in/../in/x"} {
		f.Add(s)
	}
	dir := f.TempDir()
	outside := f.TempDir()
	os.MkdirAll(filepath.Join(dir, "in"), 0o755)
	os.Symlink(outside, filepath.Join(dir, "out"))
	os.Symlink("in", filepath.Join(dir, "link"))
	s, err := New(Options{Dir: dir})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	f.Fuzz(func(t *testing.T, p string) {
		rel, err := s.rel(p)
		if err != nil {
			return
		}
		if filepath.IsAbs(rel) || rel == ".." || strings.HasPrefix(rel, "../") {
			t.Fatalf("rel(%q) = %q: leaves the folder", p, rel)
		}
		full := filepath.Join(s.real, rel)
		if !inside(s.real, full) {
			t.Fatalf("rel(%q) = %q: %s is outside %s", p, rel, full, s.real)
		}
		if real, err := filepath.EvalSymlinks(full); err == nil && !inside(s.real, real) {
			t.Fatalf("rel(%q) = %q resolves to %s, outside %s", p, rel, real, s.real)
		}
	})
}
