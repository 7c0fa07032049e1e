// Command slowdownload measures what a slow client costs sluice's demux
// proxy: it serves one large answer from an upstream of its own, runs
// `sluice` on a proxy script (bench/scripts/proxy-demux.js by default)
// between them, downloads the answer through the proxy at a fixed rate, and
// prints the bytes read, the time taken and sluice's peak RSS (sampled from
// /proc twice a second, so Linux only).
//
//	go run ./bench/slowdownload -sluice /tmp/sluice -size 1g -rate 100k   # about 3 hours
//	go run ./bench/slowdownload -sluice /tmp/sluice -size 128m -rate 4m   # about 30 s
//
// See bench/slow-download.sh, which builds sluice first.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

func main() {
	bin := flag.String("sluice", "sluice", "the sluice binary")
	script := flag.String("script", "bench/scripts/proxy-demux.js", "the proxy script (reads BENCH_UPSTREAM and BENCH_LISTEN)")
	sizeArg := flag.String("size", "1g", "answer size (k, m, g suffixes: powers of 1024)")
	rateArg := flag.String("rate", "100k", "client reading rate, bytes per second (same suffixes)")
	flag.Parse()
	size, err1 := parseSize(*sizeArg)
	rate, err2 := parseSize(*rateArg)
	if err := errors.Join(err1, err2); err != nil || rate <= 0 {
		fmt.Fprintln(os.Stderr, "slowdownload: bad -size or -rate:", err)
		os.Exit(2)
	}
	if err := run(*bin, *script, size, rate); err != nil {
		fmt.Fprintln(os.Stderr, "slowdownload:", err)
		os.Exit(1)
	}
}

func run(bin, script string, size, rate int64) error {
	up, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go http.Serve(up, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
		io.Copy(w, io.LimitReader(zeros{}, size))
	}))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin, script)
	cmd.Env = append(os.Environ(), "BENCH_UPSTREAM="+up.Addr().String(), "BENCH_LISTEN="+addr)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	var c net.Conn
	for deadline := time.Now().Add(10 * time.Second); ; {
		if c, err = net.Dial("tcp", addr); err == nil {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("sluice does not listen: %w", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET /big HTTP/1.1\r\nHost: bench\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return err
	}
	start, sampled := time.Now(), time.Now()
	var got int64
	peak := rss(cmd.Process.Pid)
	buf := make([]byte, 16<<10)
	for got < size {
		n, err := resp.Body.Read(buf)
		got += int64(n)
		if err != nil {
			break
		}
		if due := time.Duration(float64(got) / float64(rate) * float64(time.Second)); time.Since(start) < due {
			time.Sleep(due - time.Since(start))
		}
		if time.Since(sampled) >= 500*time.Millisecond {
			sampled = time.Now()
			peak = max(peak, rss(cmd.Process.Pid))
		}
	}
	fmt.Printf("read %d of %d bytes in %v at %d B/s; sluice peak RSS %.1f MiB\n",
		got, size, time.Since(start).Round(time.Millisecond), rate, float64(peak)/1024)
	if got != size {
		return fmt.Errorf("short answer")
	}
	return nil
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// rss returns the VmRSS of process pid in KiB, 0 when unknown.
func rss(pid int) int {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return n
		}
	}
	return 0
}

func parseSize(s string) (int64, error) {
	mult := int64(1)
	switch strings.ToLower(s[len(s)-1:]) {
	case "k":
		mult = 1 << 10
	case "m":
		mult = 1 << 20
	case "g":
		mult = 1 << 30
	}
	if mult > 1 {
		s = s[:len(s)-1]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n * mult, err
}
