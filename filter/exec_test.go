package filter_test

import (
	"bytes"
	"crypto/rand"
	"strings"
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/require"
)

func TestExecCat(t *testing.T) {
	leaks := netLeakBaseline(t)
	f := filter.Exec("cat")
	require.Equal(t, "exec", f.Info().Name)
	h := pipelinetest.Of(t, f)
	h.InputString("hello ").InputMessage(nil, "world").End()
	se := h.WaitEnd()
	require.Equal(t, event.NoError, se.Err, se.Message)
	require.Equal(t, "hello world", h.OutputString())
	leaks.check()
}

func TestExecCatLarge(t *testing.T) {
	leaks := netLeakBaseline(t)
	in := make([]byte, 8<<20)
	rand.Read(in)
	h := pipelinetest.Of(t, filter.Exec("cat"))
	for off := 0; off < len(in); off += 100_000 {
		h.InputBytes(in[off:min(off+100_000, len(in))])
	}
	h.End()
	se := h.WaitEnd()
	require.Equal(t, event.NoError, se.Err, se.Message)
	require.True(t, bytes.Equal(in, []byte(h.OutputString())), "output differs from input")
	leaks.check()
}

func TestExecExitStatus(t *testing.T) {
	leaks := netLeakBaseline(t)
	h := pipelinetest.Of(t, filter.ExecFunc(func(*pipeline.Stream) []string {
		return []string{"sh", "-c", "echo out; exit 3"}
	}))
	h.InputString("ignored")
	se := h.WaitEnd()
	require.Equal(t, event.UnknownError, se.Err)
	require.Contains(t, se.Message, "exit status 3")
	require.Equal(t, "out\n", h.OutputString())
	leaks.check()
}

func TestExecExitsEarly(t *testing.T) {
	leaks := netLeakBaseline(t)
	h := pipelinetest.Of(t, filter.Exec("true"))
	h.InputString("x")
	se := h.WaitEnd()
	require.Equal(t, event.NoError, se.Err, "the process's exit ends the stream, input still open")
	leaks.check() // stdin closed, process reaped

	// A process that stops reading: what is left of its input is dropped.
	leaks = netLeakBaseline(t)
	h = pipelinetest.Of(t, filter.Exec("head", "-c", "5"))
	for range 40 {
		h.InputString(strings.Repeat("abcdefgh", 8192))
	}
	se = h.WaitEnd()
	require.Equal(t, event.NoError, se.Err, se.Message)
	require.Equal(t, "abcde", h.OutputString())
	leaks.check()
}

func TestExecOutputWithoutInput(t *testing.T) {
	h := pipelinetest.Of(t, filter.Exec("head", "-c", "1000000", "/dev/zero"))
	h.End() // the process starts on the first event, even a SessionEnd
	se := h.WaitEnd()
	require.Equal(t, event.NoError, se.Err, se.Message)
	require.Equal(t, 1000000, len(h.OutputString()))
}

func TestExecCloseKillsProcess(t *testing.T) {
	leaks := netLeakBaseline(t)
	h := pipelinetest.Of(t, filter.Exec("sleep", "100"))
	h.InputString("x").End()
	require.False(t, h.Ended(), "held while the process runs")
	h.Stream.Close()
	leaks.check() // the reaper goroutine exits only once the process is dead
}

func TestExecStartFailure(t *testing.T) {
	leaks := netLeakBaseline(t)
	h := pipelinetest.Of(t, filter.Exec("/nonexistent/sluice-test-program"))
	h.InputString("x")
	se := h.SessionEnd()
	require.NotNil(t, se)
	require.Equal(t, event.CannotResolve, se.Err, se.Message)

	h = pipelinetest.Of(t, filter.Exec())
	h.InputString("x")
	require.Equal(t, event.CannotResolve, h.SessionEnd().Err)

	h = pipelinetest.Of(t, filter.ExecFunc(func(*pipeline.Stream) []string { panic("boom") }))
	h.InputString("x")
	require.Equal(t, event.RuntimeError, h.SessionEnd().Err)
	leaks.check()
}
