//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestKilledSluiceLeavesNoProcess runs a script whose task starts a
// process that starts one of its own, kills sluice with SIGKILL, and checks
// that neither process survives: the child dies of its parent-death signal,
// the grandchild by the exec reaper.
func TestKilledSluiceLeavesNoProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "sluice")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)

	pids := filepath.Join(dir, "pids")
	sh := fmt.Sprintf(`sleep 1000 & echo $$ $! > %[1]s.tmp && mv %[1]s.tmp %[1]s; wait`, pids)
	script := filepath.Join(dir, "main.js")
	require.NoError(t, os.WriteFile(script, []byte(fmt.Sprintf("pipy().task().exec(%s)\n", strconv.Quote(`sh -c '`+sh+`'`))), 0o644))

	cmd := exec.Command(bin, script)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	killed := false
	defer func() {
		if !killed {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()

	// No event tells this process that another wrote a file: poll.
	var child, grandchild int
	deadline := time.Now().Add(20 * time.Second)
	for {
		b, err := os.ReadFile(pids)
		if err == nil {
			_, err = fmt.Sscan(string(b), &child, &grandchild)
			require.NoError(t, err, "pids file: %q", b)
			break
		}
		require.True(t, time.Now().Before(deadline), "the exec'd process did not start")
		time.Sleep(10 * time.Millisecond)
	}
	defer syscall.Kill(grandchild, syscall.SIGKILL) // should the test fail
	defer syscall.Kill(child, syscall.SIGKILL)
	require.True(t, running(child) && running(grandchild))

	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	cmd.Wait()
	killed = true
	requireGone(t, child, "child")
	requireGone(t, grandchild, "grandchild")
}

// running reports whether process pid runs (a zombie does not).
func running(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

func requireGone(t *testing.T, pid int, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for running(pid) {
		require.True(t, time.Now().Before(deadline), "the %s (%d) outlived sluice", what, pid)
		time.Sleep(10 * time.Millisecond)
	}
}
