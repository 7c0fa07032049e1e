package main

import (
	"bufio"
	"io"
	"net"
	"os"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const spinJS = "pipy().listen('127.0.0.1:0').onData(() => { console.log('spinning'); while (true) {} })\n"

// startRun runs the command with args in the background; waitFor reads its
// log up to a line matching a pattern. The log is read all along, as it
// comes (the command blocks on its log otherwise: a worker writing a line
// waits for the reader); discard is left for the callers that used to ask
// for that.
func startRun(t *testing.T, args ...string) (sig chan os.Signal, done chan int, waitFor func(string) []string, discard func()) {
	pr, pw := io.Pipe()
	sig = make(chan os.Signal, 1)
	done = make(chan int, 1)
	go func() {
		done <- run(args, io.Discard, pw, sig)
		pw.Close()
	}()
	lines := make(chan string, 1000)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		io.Copy(io.Discard, pr)
	}()
	waitFor = func(pattern string) []string {
		t.Helper()
		re := regexp.MustCompile(pattern)
		for l := range lines {
			if m := re.FindStringSubmatch(l); m != nil {
				return m
			}
		}
		t.Fatalf("log ended before a line matching %q", pattern)
		return nil
	}
	return sig, done, waitFor, func() {}
}

// TestScriptTimeoutEndsSpinningCallback checks that --script-timeout stops a
// callback that never returns: its connection is closed, the failure is
// logged with the script position, and the program still stops on SIGTERM.
func TestScriptTimeoutEndsSpinningCallback(t *testing.T) {
	path := writeScript(t, spinJS)
	sig, done, waitFor, discard := startRun(t, "--script-timeout=50ms", path)
	addr := waitFor(`msg=listening addr=(\S+)`)[1]
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Write([]byte("x"))
	require.NoError(t, err)
	waitFor(`main\.js:1:\d+: script: time budget exceeded`)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err = io.ReadAll(c)
	require.NoError(t, err, "the connection is closed")

	discard()
	sig <- syscall.SIGTERM
	select {
	case code := <-done:
		assert.Equal(t, 0, code)
	case <-time.After(20 * time.Second):
		t.Fatal("sluice did not exit after SIGTERM")
	}
}

// TestTermInterruptsSpinningCallback checks that SIGTERM stops the program
// even when a callback never returns and has no time budget.
func TestTermInterruptsSpinningCallback(t *testing.T) {
	path := writeScript(t, spinJS)
	sig, done, waitFor, discard := startRun(t, "--script-timeout=0", "--drain=100ms", path)
	addr := waitFor(`msg=listening addr=(\S+)`)[1]
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Write([]byte("x"))
	require.NoError(t, err)
	waitFor(`spinning`)

	discard()
	sig <- syscall.SIGTERM
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("sluice did not exit after SIGTERM")
	}
}
