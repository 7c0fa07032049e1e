// Command passthrough measures sluice's TCP pass-through (a listen pipeline
// made of connect alone, served by a pipeline.Server with one worker) against
// a plain Go proxy that joins each client to its upstream with io.Copy, on
// the same bulk transfer over 127.0.0.1:
//
//	client ──▶ proxy ──▶ sink
//
// The client writes -size bytes and half-closes; the sink counts what it
// reads, then closes, and the proxy passes the close back to the client. A
// transfer is timed from the client's dial to the client seeing that close,
// and counts only if the sink got every byte. The contenders take turns,
// A B A B, for -rounds rounds; the program prints each transfer's MB/s, each
// contender's overall MB/s (bytes over time, all rounds), and the ratio of
// sluice to io.Copy. It also prints the CPU time the whole process (client
// and sink included) spent per GiB, a figure that other load on the machine
// disturbs less than the rates. It stops with status 1 at the first transfer
// that fails.
//
// On Linux, io.Copy between two TCP connections moves the bytes with
// splice(2), without copying them into the process, and so does sluice's
// connect when it is a listen pipeline's only filter (it relays the
// connection). -userspace adds a contender that copies through a 32 KiB
// buffer; -events adds sluice's event path (connect with an idle timeout,
// which keeps the bytes in Data events through the worker), to be compared
// with that one.
//
// -cpuprofile writes a CPU profile of the whole run; with -only sluice it
// covers sluice's transfers alone:
//
//	go run ./bench/passthrough -only sluice -cpuprofile cpu.out
//	go tool pprof -top cpu.out
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"sort"
	"sync"
	"time"

	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
)

func main() {
	size := flag.Int64("size", 1<<30, "bytes per transfer")
	rounds := flag.Int("rounds", 3, "rounds; each runs one transfer through each contender")
	only := flag.String("only", "", "run only this contender (sluice, iocopy, userspace, events)")
	userspace := flag.Bool("userspace", false, "also run a proxy that copies through a buffer (no splice)")
	events := flag.Bool("events", false, "also run sluice on its event path (connect with an idle timeout: no relay)")
	timeout := flag.Duration("timeout", time.Minute, "limit for one transfer")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
	verbose := flag.Bool("v", false, "log sluice's warnings to standard error")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: passthrough [flags]\n\nCompares sluice's connect pass-through with an io.Copy proxy on 127.0.0.1.")
		flag.PrintDefaults()
	}
	flag.Parse()
	log.SetFlags(0)

	sink, err := startSink()
	if err != nil {
		log.Fatal(err)
	}
	defer sink.ln.Close()

	type contender struct {
		name  string
		addr  string
		stop  func()
		bytes int64
		time  time.Duration
		cpu   time.Duration
		runs  []float64
	}
	var all []*contender
	add := func(name string, start func(upstream string) (string, func(), error)) {
		if *only != "" && *only != name {
			return
		}
		addr, stop, err := start(sink.addr())
		if err != nil {
			log.Fatalf("%s: %v", name, err)
		}
		all = append(all, &contender{name: name, addr: addr, stop: stop})
	}
	logger := slog.New(slog.DiscardHandler)
	if *verbose {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	add("sluice", func(up string) (string, func(), error) { return startSluice(up, logger, filter.ConnectOptions{}) })
	add("iocopy", func(up string) (string, func(), error) { return startCopyProxy(up, false) })
	if *userspace || *only == "userspace" {
		add("userspace", func(up string) (string, func(), error) { return startCopyProxy(up, true) })
	}
	if *events || *only == "events" {
		add("events", func(up string) (string, func(), error) {
			return startSluice(up, logger, filter.ConnectOptions{IdleTimeout: time.Hour})
		})
	}
	if len(all) == 0 {
		log.Fatalf("unknown contender %q", *only)
	}
	defer func() {
		for _, c := range all {
			c.stop()
		}
	}()

	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}

	fmt.Printf("pass-through of %d MiB per transfer, %d rounds, GOMAXPROCS=%d, %s/%s\n",
		*size>>20, *rounds, runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH)
	for r := 1; r <= *rounds; r++ {
		for _, c := range all {
			// Each transfer starts on a settled heap: the garbage of the
			// event path (-events) would otherwise be collected and
			// scavenged during the next contender's transfer.
			debug.FreeOSMemory()
			cpu0 := cpuTime()
			d, err := transfer(c.addr, sink, *size, *timeout)
			cpu := cpuTime() - cpu0
			if err != nil {
				// Later transfers could not be told apart from what is
				// left of this one: stop here.
				fmt.Printf("round %d  %-9s  FAILED: %v\n", r, c.name, err)
				os.Exit(1)
			}
			mbs := float64(*size) / 1e6 / d.Seconds()
			c.bytes += *size
			c.time += d
			c.cpu += cpu
			c.runs = append(c.runs, mbs)
			fmt.Printf("round %d  %-9s  %8.1f MB/s  (%v, CPU %.2fs per GiB)\n", r, c.name, mbs, d.Round(time.Millisecond), perGiB(cpu, *size))
		}
	}
	rate := map[string]float64{}
	for _, c := range all {
		if c.time == 0 {
			continue
		}
		rate[c.name] = float64(c.bytes) / 1e6 / c.time.Seconds()
		sort.Float64s(c.runs)
		fmt.Printf("%-9s  %8.1f MB/s overall  (median %.1f, min %.1f, max %.1f; CPU %.2fs per GiB)\n",
			c.name, rate[c.name], median(c.runs), c.runs[0], c.runs[len(c.runs)-1], perGiB(c.cpu, c.bytes))
	}
	if s, b := rate["sluice"], rate["iocopy"]; s > 0 && b > 0 {
		verdict := "meets"
		if s < 0.9*b {
			verdict = "below"
		}
		fmt.Printf("ratio sluice/iocopy = %.2f (%s the 0.90 target)\n", s/b, verdict)
	}
	if s, b := rate["sluice"], rate["userspace"]; s > 0 && b > 0 {
		fmt.Printf("ratio sluice/userspace = %.2f\n", s/b)
	}
	if s, b := rate["events"], rate["userspace"]; s > 0 && b > 0 {
		fmt.Printf("ratio events/userspace = %.2f\n", s/b)
	}
	if s, b := rate["events"], rate["iocopy"]; s > 0 && b > 0 {
		fmt.Printf("ratio events/iocopy = %.2f\n", s/b)
	}
}

// perGiB returns the seconds of d per GiB of n bytes.
func perGiB(d time.Duration, n int64) float64 { return d.Seconds() / (float64(n) / (1 << 30)) }

func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// transfer sends size bytes through the proxy at addr to the sink, and
// returns the time from the dial until the proxy closed the client's
// connection, once the sink has confirmed it got every byte.
func transfer(addr string, sink *sink, size int64, timeout time.Duration) (time.Duration, error) {
	buf := make([]byte, 256<<10)
	for i := range buf {
		buf[i] = byte(i*7 + i>>8)
	}
	start := time.Now()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	c.SetDeadline(start.Add(timeout))
	for left := size; left > 0; {
		n, err := c.Write(buf[:min(int64(len(buf)), left)])
		left -= int64(n)
		if err != nil {
			return 0, fmt.Errorf("write: %w", err)
		}
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		return 0, err
	}
	if n, err := io.Copy(io.Discard, c); err != nil || n != 0 {
		return 0, fmt.Errorf("reading the close: %d bytes, %v", n, err)
	}
	d := time.Since(start)
	select {
	case got := <-sink.got:
		if got != size {
			return 0, fmt.Errorf("the sink got %d bytes of %d", got, size)
		}
	case <-time.After(timeout):
		return 0, errors.New("the sink did not report")
	}
	return d, nil
}

// sink is the upstream: it reads each connection to the end, sends the byte
// count on got, and closes the connection.
type sink struct {
	ln  net.Listener
	got chan int64
}

func startSink() (*sink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &sink{ln: ln, got: make(chan int64, 16)}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 256<<10)
				var total int64
				for {
					n, err := c.Read(buf)
					total += int64(n)
					if err != nil {
						break
					}
				}
				s.got <- total
			}()
		}
	}()
	return s, nil
}

func (s *sink) addr() string { return s.ln.Addr().String() }

// startSluice serves a pipeline made of connect alone, on one worker.
func startSluice(upstream string, logger *slog.Logger, opts filter.ConnectOptions) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	g := pipeline.NewGroup(1, pipeline.WorkerOptions{Logger: logger})
	srv := pipeline.NewServer(pipeline.New("passthrough", filter.Connect(upstream, opts)), g)
	go srv.Serve(ln)
	return ln.Addr().String(), func() { srv.Close(); g.Close() }, nil
}

// startCopyProxy serves a proxy that joins each client to a new connection
// to upstream with io.Copy each way, passing each half-close on. With
// userspace, the copies go through a buffer instead of splice.
func startCopyProxy(upstream string, userspace bool) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	copyHalf := func(dst, src *net.TCPConn) {
		if userspace {
			io.CopyBuffer(struct{ io.Writer }{dst}, struct{ io.Reader }{src}, make([]byte, 32<<10))
		} else {
			io.Copy(dst, src)
		}
		dst.CloseWrite()
	}
	var wg sync.WaitGroup
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				u, err := net.Dial("tcp", upstream)
				if err != nil {
					return
				}
				defer u.Close()
				done := make(chan struct{})
				go func() {
					copyHalf(u.(*net.TCPConn), c.(*net.TCPConn))
					close(done)
				}()
				copyHalf(c.(*net.TCPConn), u.(*net.TCPConn))
				<-done
			}()
		}
	}()
	return ln.Addr().String(), func() { ln.Close(); wg.Wait() }, nil
}
