// Command bodylimit checks sluice's memory under large uploads, as the
// sluice command runs a script, in a process of its own whose peak RSS
// (VmHWM in /proc/PID/status, Linux) is read at the end of each case:
//
//   - limit: a 1 GiB upload into a collecting filter with a 64 MiB bound,
//     decodeHttpRequest → replaceMessage(r, {maxBodySize: '64m'}) →
//     encodeHttpResponse: the client must get a 413, and
//     the peak RSS stay under -max-limit-rss (100 MB);
//   - stream: a 1 GiB upload through the plain proxy chain,
//     decodeHttpRequest → encodeHttpRequest → connect → decodeHttpResponse →
//     encodeHttpResponse, to an upstream (in this program) that counts and
//     discards it: the client must get a 200 saying every byte arrived, and
//     the peak RSS stay under -max-stream-rss (64 MB).
//
// It builds nothing: -sluice names the sluice binary (go build -o
// /tmp/sluice ./cmd/sluice). Every process it starts is stopped when it
// ends. Usage:
//
//	go build -o /tmp/sluice ./cmd/sluice && go run ./bench/bodylimit -sluice /tmp/sluice
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

func main() {
	bin := flag.String("sluice", "", "the sluice binary (required)")
	size := flag.Int64("size", 1<<30, "bytes per upload")
	maxLimit := flag.Int64("max-limit-rss", 100e6, "peak RSS allowed in the limit case, bytes")
	maxStream := flag.Int64("max-stream-rss", 64e6, "peak RSS allowed in the stream case, bytes")
	timeout := flag.Duration("timeout", 2*time.Minute, "limit for one case")
	flag.Parse()
	if *bin == "" {
		log.Fatal("-sluice is required")
	}
	failed := false
	for _, c := range []struct {
		name   string
		script string
		want   int
		maxRSS int64
	}{
		{"limit", limitScript, 413, *maxLimit},
		{"stream", streamScript, 200, *maxStream},
	} {
		status, rss, err := runCase(*bin, c.script, *size, *timeout)
		verdict := "ok"
		switch {
		case err != nil:
			verdict = "FAILED: " + err.Error()
		case status != c.want:
			verdict = fmt.Sprintf("FAILED: status %d, want %d", status, c.want)
		case rss > c.maxRSS:
			verdict = fmt.Sprintf("FAILED: peak RSS over %d MB", c.maxRSS/1e6)
		}
		if verdict != "ok" {
			failed = true
		}
		fmt.Printf("%-7s %5d MiB upload: status %d, sluice peak RSS %6.1f MB  %s\n", c.name, *size>>20, status, float64(rss)/1e6, verdict)
	}
	if failed {
		os.Exit(1)
	}
}

const limitScript = `pipy()
.listen(os.env.BODYLIMIT_LISTEN)
  .decodeHttpRequest()
  .replaceMessage(() => new Message('fine'), { maxBodySize: '64m' })
  .encodeHttpResponse()
`

const streamScript = `pipy()
.listen(os.env.BODYLIMIT_LISTEN)
  .decodeHttpRequest()
  .encodeHttpRequest()
  .connect(os.env.BODYLIMIT_UPSTREAM)
  .decodeHttpResponse()
  .encodeHttpResponse()
`

// runCase starts sluice with script, uploads size bytes through it and
// returns the answer's status and sluice's peak RSS.
func runCase(bin, script string, size int64, timeout time.Duration) (status int, rss int64, err error) {
	dir, err := os.MkdirTemp("", "bodylimit")
	if err != nil {
		return 0, 0, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "main.js")
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		return 0, 0, err
	}
	up, err := discardUpstream()
	if err != nil {
		return 0, 0, err
	}
	defer up.Close()
	addr, err := freeAddr()
	if err != nil {
		return 0, 0, err
	}
	cmd := exec.Command(bin, "--log-level=warn", path)
	cmd.Env = append(os.Environ(), "BODYLIMIT_LISTEN="+addr, "BODYLIMIT_UPSTREAM="+up.Addr().String())
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	if err := waitListening(addr, 10*time.Second); err != nil {
		return 0, 0, err
	}
	status, err = upload(addr, size, timeout)
	rss, rerr := peakRSS(cmd.Process.Pid)
	return status, rss, errors.Join(err, rerr)
}

// upload sends a POST with a body of size zero bytes, reading the answer
// while it writes, and returns the answer's status. An answer that comes
// before the body is all sent (a 413) ends the upload.
func upload(addr string, size int64, timeout time.Duration) (int, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(timeout))
	type answer struct {
		status int
		err    error
	}
	got := make(chan answer, 1)
	go func() {
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			got <- answer{0, err}
			return
		}
		io.Copy(io.Discard, resp.Body)
		got <- answer{resp.StatusCode, nil}
	}()
	go func() {
		fmt.Fprintf(c, "POST /upload HTTP/1.1\r\nHost: bench\r\nContent-Length: %d\r\n\r\n", size)
		buf := make([]byte, 256<<10)
		for left := size; left > 0; {
			n := int(min(left, int64(len(buf))))
			if _, err := c.Write(buf[:n]); err != nil {
				return // the answer came first and the proxy closed
			}
			left -= int64(n)
		}
	}()
	a := <-got
	return a.status, a.err
}

// discardUpstream serves HTTP on 127.0.0.1, answering each request with
// the number of body bytes it read.
func discardUpstream() (net.Listener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		fmt.Fprintf(w, "%d", n)
	}))
	return ln, nil
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func waitListening(addr string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("sluice is not listening on %s: %w", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// peakRSS reads VmHWM of process pid, in bytes.
func peakRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmHWM in /proc/PID/status")
}
