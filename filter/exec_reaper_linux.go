//go:build linux

package filter

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
)

// reaperScript is the helper's program. It reads lines "+ PGID" (an exec
// process group started) and "- PGID" (it is gone); when its input ends,
// because this process exited or was killed, it kills every group still
// listed. The list of groups ever seen is compacted every 1000 removals.
// Anything but a number above 1 is ignored: "kill -9 -1" would kill every
// process there is.
const reaperScript = `trap '' HUP INT TERM
all= n=0
while read -r op g; do
  case $g in ''|*[!0-9]*) continue ;; esac
  [ "$g" -gt 1 ] || continue
  case $op in
  +) eval "g_$g=1"; all="$all $g" ;;
  -) eval "g_$g="; n=$((n+1))
     if [ $n -ge 1000 ]; then
       n=0 live=
       for x in $all; do eval "v=\$g_$x"; [ -n "$v" ] && live="$live $x"; done
       all=$live
     fi ;;
  esac
done
for g in $all; do eval "v=\$g_$g"; [ -n "$v" ] && kill -9 "-$g" 2>/dev/null; done
`

var reaper struct {
	once    sync.Once
	err     error
	mu      sync.Mutex
	w       *os.File    // nil: not started, or it failed
	enabled atomic.Bool // EnableExecReaper was called
}

// EnableExecReaper asks exec to start the helper StartExecReaper starts,
// on Linux, when it starts its first process, rather than now: a program
// whose scripts never run a process starts no helper. If the helper cannot
// be started, that first exec logs why (at warning level) and its process
// runs without it. Safe for concurrent use; elsewhere it does nothing.
func EnableExecReaper() { reaper.enabled.Store(true) }

// reaperForExec starts the helper, once, if EnableExecReaper asked for it;
// it returns the error of the call that tried, then nil.
func reaperForExec() (err error) {
	if !reaper.enabled.Load() {
		return nil
	}
	first := false
	reaper.once.Do(func() {
		first = true
		reaper.err = startReaper()
	})
	if first {
		return reaper.err
	}
	return nil
}

// reaperRunning reports whether the helper runs (for tests).
func reaperRunning() bool {
	reaper.mu.Lock()
	defer reaper.mu.Unlock()
	return reaper.w != nil
}

// StartExecReaper starts, once per process, a helper that kills the process
// groups of the processes exec started and that still run when this process
// dies, even by SIGKILL. Without it, the kernel's parent-death signal kills
// only exec's direct children, and what they started lives on. The helper
// is a small shell (sh) in a process group of its own, reading the groups to
// watch from a pipe; it exits when this process does. Only Linux needs it
// (and has it); elsewhere StartExecReaper does nothing. Safe for concurrent
// use; later calls return the first call's error.
func StartExecReaper() error {
	reaper.once.Do(func() { reaper.err = startReaper() })
	return reaper.err
}

func startReaper() error {
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrExecReaper, err)
	}
	defer r.Close()
	cmd := exec.Command("sh", "-c", reaperScript)
	cmd.Stdin = r
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		w.Close()
		return fmt.Errorf("%w: %w", ErrExecReaper, err)
	}
	// It lives as long as this process: nothing waits for it.
	cmd.Process.Release()
	reaper.mu.Lock()
	reaper.w = w
	reaper.mu.Unlock()
	return nil
}

// reaperTell tells the helper, if it runs, that group pgid started (+) or
// is gone (-). A helper that died is forgotten.
func reaperTell(op byte, pgid int) {
	reaper.mu.Lock()
	defer reaper.mu.Unlock()
	if reaper.w == nil {
		return
	}
	line := append([]byte{op, ' '}, strconv.Itoa(pgid)...)
	if _, err := reaper.w.Write(append(line, '\n')); err != nil {
		reaper.w.Close()
		reaper.w = nil
	}
}
