package filter_test

import (
	"net"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/sluice-go/sluice/pipeline/pipelinetest"
)

var netPollerOnce sync.Once

// netLeaks remembers how many goroutines and file descriptors the process
// had, for netLeaks.check to wait until they are back to that.
type netLeaks struct {
	t          testing.TB
	goroutines int
	fds        int
	sluice     func() // pipelinetest.LeakCheck's check
}

// netLeakBaseline records the current goroutines and open descriptors. It
// first makes sure the runtime's network poller is up, since its descriptors
// stay open for the life of the process.
func netLeakBaseline(t testing.TB) *netLeaks {
	t.Helper()
	netPollerOnce.Do(func() {
		if ln, err := net.Listen("tcp", "127.0.0.1:0"); err == nil {
			ln.Close()
		}
	})
	return &netLeaks{t: t, goroutines: runtime.NumGoroutine(), fds: openFDs(), sluice: pipelinetest.LeakCheck(t)}
}

// check polls, up to a deadline, until no more goroutines and descriptors are
// open than at the baseline, and fails the test otherwise; then it runs
// pipelinetest.LeakCheck's check, which names any goroutine still running
// sluice code. Call it once every stream, server and connection the test
// opened is closed.
func (l *netLeaks) check() {
	l.t.Helper()
	defer l.sluice()
	deadline := time.Now().Add(10 * time.Second)
	for {
		g, f := runtime.NumGoroutine(), openFDs()
		if g <= l.goroutines && f <= l.fds {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			l.t.Fatalf("leak: %d goroutines (baseline %d), %d fds (baseline %d): %v\n%s", g, l.goroutines, f, l.fds, fdNames(), buf)
		}
		// Pipes that io.Copy between TCP connections keeps for splice sit
		// in a sync.Pool until garbage collections drop them.
		runtime.GC()
		time.Sleep(time.Millisecond) // polling interval, not a wait for an outcome
	}
}

// openFDs counts this process's open file descriptors (-1 where /proc is
// missing, which makes the check on descriptors pass).
func openFDs() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}

func fdNames() []string {
	ents, _ := os.ReadDir("/proc/self/fd")
	var names []string
	for _, e := range ents {
		target, _ := os.Readlink("/proc/self/fd/" + e.Name())
		names = append(names, e.Name()+"="+target)
	}
	return names
}
