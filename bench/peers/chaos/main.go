// Command chaos is a misbehaving HTTP/1 client for bench/soak: -c loops,
// for -d, each doing one action after another, picked at random:
//
//	normal    1–5 keep-alive GETs of -path, each answer read in full
//	reset     half a request head (or, one time in three, a whole request
//	          whose answer is not read), then an abortive close (RST)
//	stall     part of a head, then nothing for -stall-min to -stall-max,
//	          then close; notes whether the server closed first
//	garbage   random bytes, a head with bad bytes, an endless header line
//	          or a broken chunked body; reads until the server closes or
//	          -timeout passes
//	noread    1–3 pipelined requests, then close without reading
//	slowread  -large (or, without it, -pipeline pipelined GETs of -path),
//	          read 4 KiB every 20 ms through a 4 KiB receive buffer, for
//	          up to 2–10 s, then close, finished or not
//
//	chaos -connect 127.0.0.1:8080 -c 20 -d 60s -large /large
//
// It stops by itself at the end of -d: every wait is bounded by it. At the
// end it prints, per action, how many it ran and how they ended.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

type config struct {
	addr, path, large        string
	pipeline                 int
	stallMin, stallMax, wait time.Duration
}

// tally counts the outcomes of each action.
type tally struct {
	mu sync.Mutex
	n  map[string]map[string]int
}

func (t *tally) add(action, outcome string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.n[action] == nil {
		t.n[action] = map[string]int{}
	}
	t.n[action][outcome]++
}

var actions = []string{"normal", "reset", "stall", "garbage", "noread", "slowread"}

func main() {
	var cfg config
	flag.StringVar(&cfg.addr, "connect", "127.0.0.1:8080", "server address")
	conc := flag.Int("c", 20, "concurrent loops")
	dur := flag.Duration("d", 60*time.Second, "how long to run")
	flag.StringVar(&cfg.path, "path", "/", "path of the normal requests")
	flag.StringVar(&cfg.large, "large", "", "path answered with a large body, for the slow reader (empty: pipeline -pipeline requests of -path)")
	flag.IntVar(&cfg.pipeline, "pipeline", 20000, "requests the slow reader pipelines without -large")
	flag.DurationVar(&cfg.stallMin, "stall-min", 5*time.Second, "shortest stall")
	flag.DurationVar(&cfg.stallMax, "stall-max", 20*time.Second, "longest stall")
	flag.DurationVar(&cfg.wait, "timeout", 10*time.Second, "limit of each read or write")
	seed := flag.Uint64("seed", 0, "random seed (0: from the clock)")
	flag.Parse()
	if *seed == 0 {
		*seed = uint64(time.Now().UnixNano())
	}
	ctx, cancel := context.WithTimeout(context.Background(), *dur)
	defer cancel()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-sig
		cancel()
	}()
	t := &tally{n: map[string]map[string]int{}}
	start := time.Now()
	var wg sync.WaitGroup
	for i := range *conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(*seed, uint64(i)))
			for ctx.Err() == nil {
				a := actions[r.IntN(len(actions))]
				t.add(a, run(ctx, &cfg, r, a))
				pause(ctx, time.Duration(r.IntN(100))*time.Millisecond)
			}
		}()
	}
	wg.Wait()
	report(os.Stdout, t, *conc, time.Since(start), *seed)
}

func report(w io.Writer, t *tally, conc int, took time.Duration, seed uint64) {
	total := 0
	for _, a := range actions {
		for _, k := range t.n[a] {
			total += k
		}
	}
	fmt.Fprintf(w, "chaos: %d loops, %.0f s, %d actions, seed %d\n", conc, took.Seconds(), total, seed)
	for _, a := range actions {
		n, parts := 0, []string{}
		for o, k := range t.n[a] {
			n += k
			parts = append(parts, fmt.Sprintf("%s=%d", o, k))
		}
		sort.Strings(parts)
		fmt.Fprintf(w, "  %-9s %7d  %s\n", a, n, strings.Join(parts, " "))
	}
}

var notes struct {
	sync.Mutex
	n int
}

// note prints, on standard error, the details of an error (an outcome
// starting with "err:"); the first 20 only.
func note(format string, args ...any) {
	notes.Lock()
	defer notes.Unlock()
	if notes.n++; notes.n <= 20 {
		log.Printf(format, args...)
	}
}

// pause waits d or until ctx ends.
func pause(ctx context.Context, d time.Duration) {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
	case <-ctx.Done():
	}
}

// run does one action and says how it ended.
func run(ctx context.Context, cfg *config, r *rand.Rand, action string) string {
	var d net.Dialer
	if action == "slowread" {
		d.Control = func(_, _ string, c syscall.RawConn) error {
			var err error
			c.Control(func(fd uintptr) {
				err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
			})
			return err
		}
	}
	dctx, cancel := context.WithTimeout(ctx, cfg.wait)
	nc, err := d.DialContext(dctx, "tcp", cfg.addr)
	cancel()
	if err != nil {
		if ended(ctx) {
			return "cut-at-end"
		}
		return "err:dial"
	}
	c := nc.(*net.TCPConn)
	defer c.Close()
	deadline := func(d time.Duration) {
		t := time.Now().Add(d)
		if dl, ok := ctx.Deadline(); ok && dl.Before(t) {
			t = dl
		}
		c.SetDeadline(t)
	}
	deadline(cfg.wait)
	br := bufio.NewReader(c)
	switch action {
	case "normal":
		k := 1 + r.IntN(5)
		for i := range k {
			if err := get(c, br, cfg.path, i == k-1 && r.IntN(2) == 0); err != nil {
				o := outcome(ctx, err)
				if strings.HasPrefix(o, "err:") {
					note("normal %s at request %d of %d (%s → %s): %v", o, i+1, k, c.LocalAddr(), c.RemoteAddr(), err)
				}
				return o
			}
		}
		return "ok"
	case "reset":
		o := "half-head"
		if r.IntN(3) == 0 {
			o = "after-request"
			_, err = io.WriteString(c, head(cfg.path, false))
		} else {
			if r.IntN(2) == 0 {
				if err := get(c, br, cfg.path, false); err != nil {
					return outcome(ctx, err)
				}
			}
			h := head(cfg.path, false)
			_, err = io.WriteString(c, h[:1+r.IntN(len(h)-2)])
		}
		if err != nil {
			return outcome(ctx, err)
		}
		c.SetLinger(0)
		return o
	case "stall":
		h := head(cfg.path, false)
		if _, err := io.WriteString(c, h[:1+r.IntN(len(h)-2)]); err != nil {
			return outcome(ctx, err)
		}
		stall := cfg.stallMin + time.Duration(r.Int64N(int64(cfg.stallMax-cfg.stallMin)+1))
		deadline(stall)
		// Anything but a timeout means the server answered or closed.
		_, err := io.Copy(io.Discard, br)
		var ne net.Error
		switch {
		case errors.As(err, &ne) && ne.Timeout():
			if ended(ctx) {
				return "cut-at-end"
			}
			return "held"
		default:
			return "server-closed"
		}
	case "garbage":
		var b []byte
		switch r.IntN(4) {
		case 0:
			b = make([]byte, 1+r.IntN(2048))
			for i := range b {
				b[i] = byte(r.IntN(256))
			}
		case 1:
			b = []byte("GET /\x00\x7f\xff HTTP/1.1\r\nHo st: x\r\n\r\n")
		case 2:
			b = []byte("GET / HTTP/1.1\r\nX-Long: " + strings.Repeat("a", 64<<10))
		default:
			b = []byte("POST / HTTP/1.1\r\nHost: soak\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nnot a chunk\r\n")
		}
		if _, err := c.Write(b); err != nil {
			return outcome(ctx, err)
		}
		n, err := io.Copy(io.Discard, br)
		var ne net.Error
		switch {
		case errors.As(err, &ne) && ne.Timeout():
			if ended(ctx) {
				return "cut-at-end"
			}
			return "no-close"
		case n > 0:
			return "answered"
		default:
			return "closed"
		}
	case "noread":
		var sb strings.Builder
		for range 1 + r.IntN(3) {
			sb.WriteString(head(cfg.path, false))
		}
		if _, err := io.WriteString(c, sb.String()); err != nil {
			return outcome(ctx, err)
		}
		return "ok"
	case "slowread":
		var sb strings.Builder
		if cfg.large != "" {
			sb.WriteString(head(cfg.large, true))
		} else {
			for i := range cfg.pipeline {
				sb.WriteString(head(cfg.path, i == cfg.pipeline-1))
			}
		}
		// Written while reading: the server may stop reading until it can
		// write.
		werr := make(chan error, 1)
		go func() {
			_, err := io.WriteString(c, sb.String())
			werr <- err
		}()
		end := time.Now().Add(2*time.Second + time.Duration(r.Int64N(int64(8*time.Second))))
		buf := make([]byte, 4096)
		total, began := 0, time.Now()
		for first := true; time.Now().Before(end); first = false {
			deadline(cfg.wait)
			n, err := io.ReadFull(c, buf)
			total += n
			if first && n >= 12 && string(buf[:9]) == "HTTP/1.1 " && string(buf[9:12]) != "200" {
				return "err:status" + string(buf[9:12])
			}
			if err != nil {
				if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
					return "complete"
				}
				o := outcome(ctx, err)
				if strings.HasPrefix(o, "err:") {
					note("slowread %s after %d bytes in %.1f s (%s → %s): %v", o, total, time.Since(began).Seconds(), c.LocalAddr(), c.RemoteAddr(), err)
				}
				return o
			}
			pause(ctx, 20*time.Millisecond)
		}
		c.Close()
		<-werr
		return "abandoned"
	}
	log.Fatalf("unknown action %q", action)
	return ""
}

// head is a GET request head for path.
func head(path string, close bool) string {
	h := "GET " + path + " HTTP/1.1\r\nHost: soak\r\nUser-Agent: chaos\r\n"
	if close {
		h += "Connection: close\r\n"
	}
	return h + "\r\n"
}

// get sends one GET and reads its answer, which must be a 200.
func get(c net.Conn, br *bufio.Reader, path string, close bool) error {
	if _, err := io.WriteString(c, head(path, close)); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		return fmt.Errorf("read: %w", err)
	}
	_, err = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if err != nil {
		return fmt.Errorf("read: %w", err)
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("status: %d", res.StatusCode)
	}
	return nil
}

// ended says whether the run is over: its context is done or its deadline
// has passed (a read deadline set to it can fire a moment before the
// context's timer, and must count as cut by the end, not as an error).
func ended(ctx context.Context) bool {
	dl, ok := ctx.Deadline()
	return ctx.Err() != nil || ok && !time.Now().Before(dl)
}

// outcome names an error: "cut-at-end" when the run's end cut it, else
// "err:" and its kind.
func outcome(ctx context.Context, err error) string {
	if ended(ctx) {
		return "cut-at-end"
	}
	var ne net.Error
	switch {
	case strings.HasPrefix(err.Error(), "status: "):
		return "err:" + strings.ReplaceAll(err.Error(), ": ", "")
	case errors.As(err, &ne) && ne.Timeout():
		return "err:timeout"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "err:reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "err:eof"
	default:
		return "err:other"
	}
}
