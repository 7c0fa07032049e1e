//go:build linux

package filter_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/require"
)

// grandchild runs `sh` that starts `sleep 1000` in the background, prints
// its pid and waits for it (or, with exit, exits at once).
func grandchild(exit bool) []string {
	script := "sleep 1000 & echo $!; wait"
	if exit {
		script = "sleep 1000 & echo $!"
	}
	return []string{"sh", "-c", script}
}

// pidOf parses the pid the script printed.
func pidOf(t *testing.T, out string) int {
	t.Helper()
	pid, err := strconv.Atoi(strings.TrimSpace(out))
	require.NoError(t, err, "pid printed: %q", out)
	return pid
}

// alive reports whether process pid runs (a zombie does not).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// "pid (comm) S ...": the state follows the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// requireGone polls until process pid no longer runs (no event tells this
// process that another one died), up to a deadline.
func requireGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("process %d still runs", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestExecCloseKillsGroup checks that closing the stream kills what the
// process started, not only the process.
func TestExecCloseKillsGroup(t *testing.T) {
	leaks := netLeakBaseline(t)
	h := pipelinetest.Of(t, filter.Exec(grandchild(false)...))
	h.InputString("x")
	h.Wait(func() bool { return strings.HasSuffix(h.OutputString(), "\n") })
	pid := pidOf(t, h.OutputString())
	require.True(t, alive(pid))
	h.Stream.Close()
	requireGone(t, pid)
	leaks.check()
}

// TestExecExitKillsGroup checks that the process's exit ends the stream
// even when a child it left in the background holds its output open, and
// that the child is killed.
func TestExecExitKillsGroup(t *testing.T) {
	leaks := netLeakBaseline(t)
	h := pipelinetest.Of(t, filter.Exec(grandchild(true)...))
	h.InputString("x")
	se := h.WaitEnd()
	require.Equal(t, event.NoError, se.Err, se.Message)
	requireGone(t, pidOf(t, h.OutputString()))
	leaks.check()
}

// TestExecGroupCloseKillsGroup checks that closing a worker group (what a
// program's shutdown does) kills the processes of its streams and what they
// started.
func TestExecGroupCloseKillsGroup(t *testing.T) {
	g := pipeline.NewGroup(1, pipeline.WorkerOptions{Logger: pipelinetest.TestLogger(t)})
	w := g.Workers()[0]
	out := make(chan string, 16)
	p := pipeline.New("exec", filter.Exec(grandchild(false)...))
	w.Post(func() {
		st := pipeline.NewStream(p, pipeline.NewContext(w), pipeline.TargetFunc(func(e event.Event) {
			if d, ok := e.(*event.Data); ok {
				out <- d.String()
			}
		}))
		st.Input(event.FromString("x"))
	})
	var printed string
	select {
	case printed = <-out:
	case <-time.After(10 * time.Second):
		g.Close()
		t.Fatal("the process printed nothing")
	}
	pid := pidOf(t, printed)
	g.Close()
	requireGone(t, pid)
}
