package main

import (
	"crypto/sha256"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/sluice-go/sluice/pipeline"
)

// watchDebounce is how long the files must be quiet before a reload: an
// editor's save or a ConfigMap update is several file events.
var watchDebounce = 200 * time.Millisecond

// scriptWatcher watches the directories of a script and the modules it
// uses, and says when their contents changed. Directories, not files, are
// watched: a Kubernetes ConfigMap update swaps a "..data" symlink in the
// mounted directory, and editors replace files by renaming.
type scriptWatcher struct {
	log     *slog.Logger
	fw      *fsnotify.Watcher
	changed chan struct{} // a reload is due

	mu    sync.Mutex
	files []string // the module files, as loaded
	dirs  map[string]bool
	sum   [sha256.Size]byte // of the files' contents when last checked
	timer *time.Timer
}

// newScriptWatcher watches the files of m (whose main file is path).
func newScriptWatcher(log *slog.Logger, path string, m *pipeline.Module) (*scriptWatcher, error) {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	w := &scriptWatcher{log: log, fw: fw, changed: make(chan struct{}, 1), dirs: map[string]bool{}}
	w.track(path, m)
	go w.loop()
	return w, nil
}

// moduleFiles returns the files of m and of the modules it uses, path first.
func moduleFiles(path string, m *pipeline.Module) []string {
	files := []string{path}
	for _, mod := range modulesOf(m) {
		if _, err := os.Stat(mod.Name); err == nil && !slices.Contains(files, mod.Name) {
			files = append(files, mod.Name)
		}
	}
	return files
}

// track makes the files of m the ones watched (after a load), and their
// contents now the reference.
func (w *scriptWatcher) track(path string, m *pipeline.Module) {
	files := moduleFiles(path, m)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.files = files
	w.sum = checksum(files)
	for _, f := range files {
		d := filepath.Dir(f)
		if w.dirs[d] {
			continue
		}
		if err := w.fw.Add(d); err != nil {
			w.log.Warn("watch", "dir", d, "err", err)
			continue
		}
		w.dirs[d] = true
	}
}

// checksum digests the contents of files (following symlinks); a file that
// cannot be read counts as empty.
func checksum(files []string) [sha256.Size]byte {
	h := sha256.New()
	for _, f := range files {
		b, _ := os.ReadFile(f)
		h.Write([]byte(f))
		h.Write([]byte{0})
		h.Write(b)
		h.Write([]byte{0})
	}
	var s [sha256.Size]byte
	h.Sum(s[:0])
	return s
}

// loop waits for file events; once they stop for watchDebounce, it checks
// whether the contents changed.
func (w *scriptWatcher) loop() {
	for {
		select {
		case _, ok := <-w.fw.Events:
			if !ok {
				return
			}
			w.mu.Lock()
			if w.timer == nil {
				w.timer = time.AfterFunc(watchDebounce, w.check)
			} else {
				w.timer.Reset(watchDebounce)
			}
			w.mu.Unlock()
		case err, ok := <-w.fw.Errors:
			if !ok {
				return
			}
			w.log.Warn("watch", "err", err)
		}
	}
}

// check signals a change if the files' contents differ from the last ones.
func (w *scriptWatcher) check() {
	w.mu.Lock()
	sum := checksum(w.files)
	changed := sum != w.sum
	w.sum = sum
	w.mu.Unlock()
	if changed {
		select {
		case w.changed <- struct{}{}:
		default:
		}
	}
}

// close stops watching.
func (w *scriptWatcher) close() {
	w.fw.Close()
	w.mu.Lock()
	if w.timer != nil {
		w.timer.Stop()
	}
	w.mu.Unlock()
}

// watched returns the files watched.
func (w *scriptWatcher) watched() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.files)
}
