package pipeline_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/stretchr/testify/assert"
)

// failLogs runs one stream of filters on a worker logging at the default
// level, feeds it one Data, and returns the log.
func failLogs(filters ...pipeline.Filter) string {
	var logs bytes.Buffer
	w := pipeline.NewWorker(pipeline.WorkerOptions{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	st := pipeline.NewStream(pipeline.New("p", filters...), pipeline.NewContext(w), nil)
	st.Input(event.FromString("x"))
	st.Input(&event.SessionEnd{})
	w.RunPending()
	return logs.String()
}

func TestARuntimeFailureIsLoggedOnceAtWarnNamingTheFilter(t *testing.T) {
	out := failLogs(upper, fn{"encodeThing", func(s *pipeline.Stream, evt event.Event, next pipeline.Target) {
		s.Fail(event.RuntimeError, errors.New("encodeThing: a head it cannot use"))
		s.Fail(event.RuntimeError, errors.New("encodeThing: again"))
	}})
	assert.Equal(t, 1, strings.Count(out, "\n"), out)
	assert.Contains(t, out, "level=WARN")
	assert.Contains(t, out, "filter=encodeThing")
	assert.Contains(t, out, "a head it cannot use")
}

func TestAGoPanicInAFilterIsLoggedWithItsGoStack(t *testing.T) {
	out := failLogs(fn{"crash", func(s *pipeline.Stream, evt event.Event, next pipeline.Target) {
		var m map[string]int
		//lint:ignore SA5000 the test needs a Go runtime panic inside a filter
		m["x"]++
	}})
	assert.Equal(t, 1, strings.Count(out, "level="), out)
	assert.Contains(t, out, "level=WARN")
	assert.Contains(t, out, "assignment to entry in nil map")
	assert.Contains(t, out, "goroutine")
}

func TestAPeerFailureIsNotLoggedAtTheDefaultLevel(t *testing.T) {
	out := failLogs(fn{"dial", func(s *pipeline.Stream, evt event.Event, next pipeline.Target) {
		s.Fail(event.ConnectionRefused, errors.New("dial: refused"))
	}})
	assert.Empty(t, out)
}

// jsError stands for a script's exception.
type jsError struct{}

func (jsError) Error() string       { return "main.js:3:9: Error: boom" }
func (jsError) ScriptStack() string { return "  at f (main.js:3:9)" }

func TestAScriptErrorInAWorkerTaskLogsTheScriptStack(t *testing.T) {
	var logs bytes.Buffer
	w := pipeline.NewWorker(pipeline.WorkerOptions{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	w.Post(func() { panic(fmt.Errorf("timer: %w", jsError{})) })
	w.RunPending()
	out := logs.String()
	assert.Contains(t, out, `stack="  at f (main.js:3:9)"`)
	assert.NotContains(t, out, "goroutine")
}
