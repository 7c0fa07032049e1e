package gui

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// maxFileSize bounds a file written through the API.
const maxFileSize = 8 << 20

// Entry is a file or folder of the tree GET /api/files answers.
type Entry struct {
	// Name is the entry's base name ("" for the served folder itself).
	Name string `json:"name"`
	// Path is its API path: "/", "/sub", "/sub/x.js".
	Path string `json:"path"`
	// Dir says whether it is a folder.
	Dir bool `json:"dir,omitempty"`
	// Children are a folder's entries: folders first, then files, each by
	// name; dot-files are left out.
	Children []*Entry `json:"children,omitempty"`
}

// rel checks an API path ("/sub/x.js") and returns it relative to the served
// folder ("sub/x.js", or "." for the folder itself). A path with "..", an
// absolute path ("//etc/passwd"), or one that crosses a symbolic link out of
// the folder wraps ErrForbidden.
func (s *Server) rel(p string) (string, error) {
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	q := p[1:]
	if strings.HasPrefix(q, "/") || strings.ContainsAny(q, "\\\x00") || filepath.IsAbs(q) {
		return "", fmt.Errorf("%w: %s", ErrForbidden, p)
	}
	for _, seg := range strings.Split(q, "/") {
		if seg == ".." {
			return "", fmt.Errorf("%w: %s", ErrForbidden, p)
		}
	}
	q = path.Clean("/" + q)[1:]
	if q == "" {
		return ".", nil
	}
	// Follow the links on the way down: each must stay in the folder.
	cur := s.real
	for _, seg := range strings.Split(q, "/") {
		next := filepath.Join(cur, seg)
		fi, err := os.Lstat(next)
		if err != nil {
			break // what does not exist yet cannot lead out
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			cur = next
			continue
		}
		target, err := filepath.EvalSymlinks(next)
		if err != nil {
			// A dangling link: judge where it points.
			t, rerr := os.Readlink(next)
			if rerr != nil {
				return "", fmt.Errorf("%w: %s", ErrForbidden, p)
			}
			if !filepath.IsAbs(t) {
				t = filepath.Join(cur, t)
			}
			target = filepath.Clean(t)
		}
		if !inside(s.real, target) {
			return "", fmt.Errorf("%w: %s", ErrForbidden, p)
		}
		cur = target
	}
	return filepath.FromSlash(q), nil
}

// inside reports whether path p is dir or below it.
func inside(dir, p string) bool {
	r, err := filepath.Rel(dir, p)
	return err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator)) && !filepath.IsAbs(r)
}

// apiPath returns the API path of rel, a path relative to the folder.
func apiPath(rel string) string { return path.Clean("/" + filepath.ToSlash(rel)) }

func (s *Server) getTree(w http.ResponseWriter, r *http.Request) {
	top := &Entry{Path: "/", Dir: true}
	if err := s.fill(top, ".", nil); err != nil {
		fail(w, err)
		return
	}
	reply(w, http.StatusOK, top)
}

// fill adds the entries of folder rel to e, folders first. A folder that is
// one of its own ancestors (through a link) is listed but not entered again.
func (s *Server) fill(e *Entry, rel string, ancestors []os.FileInfo) error {
	self, err := s.root.Stat(rel)
	if err != nil {
		return fmt.Errorf("gui: %w", err)
	}
	for _, a := range ancestors {
		if os.SameFile(a, self) {
			return nil
		}
	}
	ancestors = append(ancestors, self)
	f, err := s.root.Open(rel)
	if err != nil {
		return fmt.Errorf("gui: %w", err)
	}
	des, err := f.ReadDir(-1)
	f.Close()
	if err != nil {
		return fmt.Errorf("gui: %w", err)
	}
	slices.SortFunc(des, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	var dirs, files []*Entry
	for _, de := range des {
		name := de.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		cr := filepath.Join(rel, name)
		// Stat through the root: a link that leaves the folder fails here
		// and is left out.
		fi, err := s.root.Stat(cr)
		if err != nil {
			continue
		}
		c := &Entry{Name: name, Path: apiPath(cr), Dir: fi.IsDir()}
		if c.Dir {
			if err := s.fill(c, cr, ancestors); err != nil {
				return err
			}
			dirs = append(dirs, c)
		} else {
			files = append(files, c)
		}
	}
	e.Children = append(dirs, files...)
	return nil
}

func (s *Server) file(w http.ResponseWriter, r *http.Request, p string) {
	rel, err := s.rel(p)
	if err != nil {
		fail(w, err)
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		s.getFile(w, r, rel)
	case http.MethodPost, http.MethodPut:
		s.putFile(w, r, rel)
	case http.MethodDelete:
		s.deleteFile(w, rel)
	default:
		w.Header().Set("Allow", "GET, POST, DELETE")
		fail(w, fmt.Errorf("%w: %s %s", ErrMethod, r.Method, r.URL.Path))
	}
}

// fileError maps an error of the root's file operations to the API's.
func fileError(rel string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%w: %s", ErrNotFound, apiPath(rel))
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%w: %s: permission denied", ErrForbidden, apiPath(rel))
	}
	// os.Root refuses a path that escapes through a link made after rel
	// checked it; say so as rel would have.
	if strings.Contains(err.Error(), "escapes") {
		return fmt.Errorf("%w: %s", ErrForbidden, apiPath(rel))
	}
	return fmt.Errorf("gui: %s: %w", apiPath(rel), err)
}

func (s *Server) getFile(w http.ResponseWriter, r *http.Request, rel string) {
	fi, err := s.root.Stat(rel)
	if err != nil {
		fail(w, fileError(rel, err))
		return
	}
	if fi.IsDir() {
		fail(w, fmt.Errorf("%w: %s is a directory", ErrNotFound, apiPath(rel)))
		return
	}
	if !fi.Mode().IsRegular() {
		fail(w, fmt.Errorf("%w: %s is not a regular file", ErrNotFound, apiPath(rel)))
		return
	}
	b, err := s.root.ReadFile(rel)
	if err != nil {
		fail(w, fileError(rel, err))
		return
	}
	ct := mime.TypeByExtension(filepath.Ext(rel))
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(b)
}

func (s *Server) putFile(w http.ResponseWriter, r *http.Request, rel string) {
	if rel == "." {
		fail(w, fmt.Errorf("%w: / is a directory", ErrIsDirectory))
		return
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFileSize))
	if err != nil {
		fail(w, fmt.Errorf("%w: %v", ErrBadRequest, err))
		return
	}
	if fi, err := s.root.Stat(rel); err == nil && fi.IsDir() {
		fail(w, fmt.Errorf("%w: %s", ErrIsDirectory, apiPath(rel)))
		return
	}
	if dir := filepath.Dir(rel); dir != "." {
		if err := s.root.MkdirAll(dir, 0o755); err != nil {
			fail(w, fileError(dir, err))
			return
		}
	}
	if err := s.writeAtomic(rel, b); err != nil {
		fail(w, fileError(rel, err))
		return
	}
	reply(w, http.StatusCreated, map[string]any{"path": apiPath(rel), "size": len(b)})
}

// writeAtomic writes b to rel through a temporary file beside it, renamed
// over it, so that a reader (the running program, another save) never sees
// it half written. A file being replaced keeps its permissions; a symbolic
// link is written through.
func (s *Server) writeAtomic(rel string, b []byte) error {
	if li, err := s.root.Lstat(rel); err == nil && li.Mode()&fs.ModeSymlink != 0 {
		// A link (rel has checked it stays in the folder) is written
		// through, not replaced by a file.
		return s.root.WriteFile(rel, b, 0o644)
	}
	mode := os.FileMode(0o644)
	if fi, err := s.root.Stat(rel); err == nil {
		mode = fi.Mode().Perm()
	}
	var suffix [6]byte
	rand.Read(suffix[:])
	tmp := filepath.Join(filepath.Dir(rel), "."+filepath.Base(rel)+".sluice-"+hex.EncodeToString(suffix[:]))
	f, err := s.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = s.root.Chmod(tmp, mode) // past the umask
	}
	if err == nil {
		err = s.root.Rename(tmp, rel)
	}
	if err != nil {
		s.root.Remove(tmp)
	}
	return err
}

func (s *Server) deleteFile(w http.ResponseWriter, rel string) {
	if rel == "." {
		fail(w, fmt.Errorf("%w: the served folder cannot be deleted", ErrForbidden))
		return
	}
	if err := s.root.Remove(rel); err != nil {
		fail(w, fileError(rel, err))
		return
	}
	noContent(w)
}
