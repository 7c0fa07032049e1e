package script_test

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/sluice-go/sluice/script"
	"github.com/stretchr/testify/require"
)

// load loads src as main.js and fails the test on error.
func load(t testing.TB, src string, opts ...script.Options) *pipeline.Module {
	t.Helper()
	var o script.Options
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.Logger == nil {
		o.Logger = pipelinetest.TestLogger(t)
	}
	m, err := script.LoadSource("main.js", src, o)
	require.NoError(t, err)
	return m
}

// find returns the named pipeline of m.
func find(t testing.TB, m *pipeline.Module, name string) *pipeline.Pipeline {
	t.Helper()
	p := m.Find(name)
	require.NotNil(t, p, "pipeline %q", name)
	return p
}

// worker runs several streams on one worker, driven by the test goroutine.
type worker struct {
	t *testing.T
	w *pipeline.Worker
}

func newWorker(t *testing.T) *worker {
	return &worker{t: t, w: pipeline.NewWorker(pipeline.WorkerOptions{Logger: pipelinetest.TestLogger(t)})}
}

// stream is one stream of a worker with its collected output.
type stream struct {
	w   *worker
	st  *pipeline.Stream
	out []event.Event
}

func (w *worker) start(p *pipeline.Pipeline, setup ...func(*pipeline.Context)) *stream {
	s := &stream{w: w}
	w.w.Post(func() {
		ctx := pipeline.NewContext(w.w)
		for _, f := range setup {
			f(ctx)
		}
		s.st = pipeline.NewStream(p, ctx, pipeline.TargetFunc(func(e event.Event) { s.out = append(s.out, e) }))
	})
	w.w.RunPending()
	return s
}

func (s *stream) input(evts ...event.Event) *stream {
	for _, e := range evts {
		s.w.w.Post(func() { s.st.Input(e) })
		s.w.w.RunPending()
	}
	return s
}

func (s *stream) message(head any, body string) *stream {
	return s.input(pipelinetest.Message(head, body)...)
}

func (s *stream) end() *stream { return s.input(&event.SessionEnd{}) }

// bodies returns the bodies of the complete messages output so far.
func bodies(evts []event.Event) []string {
	var out []string
	var cur *strings.Builder
	for _, e := range evts {
		switch e := e.(type) {
		case *event.MessageStart:
			cur = &strings.Builder{}
		case *event.Data:
			if cur != nil {
				cur.WriteString(e.String())
			}
		case *event.MessageEnd:
			if cur != nil {
				out = append(out, cur.String())
			}
			cur = nil
		}
	}
	return out
}

// sessionEnd returns the SessionEnd among evts, or nil.
func sessionEnd(evts []event.Event) *event.SessionEnd {
	for _, e := range evts {
		if se, ok := e.(*event.SessionEnd); ok {
			return se
		}
	}
	return nil
}

// logBuffer is a logger writing to a buffer, safe for concurrent use.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func mustAddr(t testing.TB, s string) *net.TCPAddr {
	t.Helper()
	a, err := net.ResolveTCPAddr("tcp", s)
	require.NoError(t, err)
	return a
}

func writeFile(t testing.TB, dir, name, src string) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644))
}

// tcpServer listens on 127.0.0.1:0 until the test ends and runs handle on
// each connection it accepts, closing it after; it returns the address.
func tcpServer(t testing.TB, handle func(c net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); handle(c) }()
		}
	}()
	return ln.Addr().String()
}

// echo sends back what it reads.
func echo(c net.Conn) { io.Copy(c, c) }
