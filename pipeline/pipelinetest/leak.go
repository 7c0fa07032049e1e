package pipelinetest

import (
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// LeakCheck notes the file descriptors open now and returns a function
// that fails t if, when it is called, a goroutine is running sluice code
// (other than the calling goroutine and test code) or more descriptors are
// open. Goroutines that are on their way out get up to five seconds to exit;
// the check returns as soon as nothing is left.
//
//	check := pipelinetest.LeakCheck(t)
//	... start and close servers, streams ...
//	check()
func LeakCheck(t testing.TB) func() {
	t.Helper()
	fds := openFDs()
	return func() {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		backoff := time.Millisecond
		for {
			stacks := sluiceGoroutines()
			n := openFDs()
			if len(stacks) == 0 && (fds < 0 || n <= fds) {
				return
			}
			if time.Now().After(deadline) {
				if len(stacks) > 0 {
					t.Errorf("pipelinetest: %d goroutines left running sluice code:\n%s", len(stacks), strings.Join(stacks, "\n\n"))
				}
				if fds >= 0 && n > fds {
					t.Errorf("pipelinetest: %d file descriptors left open (was %d, now %d)", n-fds, fds, n)
				}
				return
			}
			time.Sleep(backoff)
			backoff = min(2*backoff, 50*time.Millisecond)
		}
	}
}

// sluiceGoroutines returns the stacks of goroutines, other than the caller's,
// that run code of this module outside tests and their helpers (internal/testnet).
func sluiceGoroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []string
	for i, g := range strings.Split(string(buf), "\n\n") {
		if i == 0 {
			continue // the calling goroutine
		}
		if runsSluice(g) {
			out = append(out, g)
		}
	}
	return out
}

func runsSluice(stack string) bool {
	for _, line := range strings.Split(stack, "\n") {
		if strings.HasPrefix(line, "\t") || !strings.Contains(line, "github.com/sluice-go/sluice/") {
			continue
		}
		if strings.Contains(line, "_test.") || strings.Contains(line, "pipelinetest.") || strings.Contains(line, "/internal/testnet.") {
			continue
		}
		return true
	}
	return false
}

// openFDs counts the process's open file descriptors, or returns -1 where
// they cannot be counted.
func openFDs() int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(entries)
}
