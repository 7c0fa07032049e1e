package gui

import (
	"bytes"
	"io"
	"regexp"
	"strings"
	"sync"
)

// LogSize is how many lines a Log keeps.
const LogSize = 1000

// Line is one line of a Log.
type Line struct {
	// Index numbers the lines from 0, in the order they were written.
	Index int `json:"index"`
	// Level is "debug", "info", "warn" or "error" for a log record, "print"
	// for the print filter's output (standard output) and "dump" for the
	// dump filter's (standard error).
	Level string `json:"level"`
	// Text is the line without its line break.
	Text string `json:"text"`
}

// Log keeps the last LogSize lines written to its writers, each numbered,
// and lets readers wait for new ones. It is safe for concurrent use.
type Log struct {
	mu      sync.Mutex
	lines   []Line // the last LogSize lines, oldest first
	next    int    // the index of the next line
	changed chan struct{}
}

// NewLog returns an empty log.
func NewLog() *Log { return &Log{changed: make(chan struct{})} }

// Add appends a line of the given level.
func (l *Log) Add(level, text string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.lines) == LogSize {
		copy(l.lines, l.lines[1:])
		l.lines = l.lines[:LogSize-1]
	}
	l.lines = append(l.lines, Line{Index: l.next, Level: level, Text: text})
	l.next++
	close(l.changed)
	l.changed = make(chan struct{})
}

// Since returns the lines kept whose index is n or more, and a channel that
// is closed when a line is added after them.
func (l *Log) Since(n int) ([]Line, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	first := l.next - len(l.lines)
	skip := min(max(n-first, 0), len(l.lines))
	return append([]Line(nil), l.lines[skip:]...), l.changed
}

// Writer returns a writer whose lines are added to l with the given level;
// level "" takes each line's level from its "level=…" field, as log/slog's
// text handler writes it (info when there is none). A line written without
// its line break waits for the rest.
func (l *Log) Writer(level string) io.Writer { return &logWriter{log: l, level: level} }

type logWriter struct {
	log     *Log
	level   string
	mu      sync.Mutex
	partial []byte
}

var slogLevel = regexp.MustCompile(`(?:^| )level=(DEBUG|INFO|WARN|ERROR)`)

func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		text := strings.TrimSuffix(string(w.partial[:i]), "\r")
		w.partial = w.partial[i+1:]
		level := w.level
		if level == "" {
			level = "info"
			if m := slogLevel.FindStringSubmatch(text); m != nil {
				level = strings.ToLower(m[1])
			}
		}
		w.log.Add(level, text)
	}
	if len(w.partial) == 0 {
		w.partial = nil
	}
	return len(p), nil
}
