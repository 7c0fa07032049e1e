// Command blast measures TCP throughput for bench/run's pass-through case.
//
//	blast -serve 127.0.0.1:9000                      # source
//	blast -connect 127.0.0.1:8080 -c 4 -d 5s         # sink, through the proxy
//
// The source sends an endless byte stream to every connection it accepts
// (and discards what it reads). The client opens -c connections, sends one
// byte on each (sluice's connect dials on the first bytes), discards what
// arrives, and counts only the bytes that arrive in the -d window after a
// -warmup: every counted byte went all the way through the proxy. It prints
// one line:
//
//	bytes=N seconds=S MBps=M [cpu_ticks=T]
//
// (MB = 10^6 bytes; cpu_ticks, with -pid, is the CPU time that process used
// in the same window) and exits; every wait for data has a deadline, so a
// stuck proxy ends it with an error instead of a hang.
//
// On Linux, by default (-zerocopy), neither end copies the bytes to or from
// user space: the source sends a file from the page cache with sendfile(2)
// and the client splices what it receives to /dev/null. Loopback TCP still
// costs the kernel a copy per byte, but the load side needs much less CPU
// than with read and write, so that on a machine with two cores the proxy on
// the other core is what limits the throughput. -zerocopy=false reads and
// writes -buf sized buffers instead.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

func main() {
	serve := flag.String("serve", "", "listen address: run as the source")
	connect := flag.String("connect", "", "address to read from")
	conns := flag.Int("c", 4, "connections")
	dur := flag.Duration("d", 5*time.Second, "measured time")
	warmup := flag.Duration("warmup", 500*time.Millisecond, "time before measuring")
	bufSize := flag.Int("buf", 256<<10, "read/write buffer size")
	pid := flag.Int("pid", 0, "also report the CPU time (utime+stime, clock ticks) this process used in the window")
	zc := flag.Bool("zerocopy", true, "sendfile(2) and splice(2) instead of write and read (Linux)")
	flag.Parse()
	zeroCopy = *zc && haveZeroCopy
	switch {
	case *serve != "":
		runSource(*serve, *bufSize)
	case *connect != "":
		os.Exit(runClient(*connect, *conns, *dur, *warmup, *bufSize, *pid))
	default:
		log.Fatal("give -serve or -connect")
	}
}

var zeroCopy bool

// fileSize is the size of the file the source sends with sendfile.
const fileSize = 16 << 20

func runSource(addr string, size int) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	buf := make([]byte, size)
	for i := range buf {
		buf[i] = byte('a' + i%26)
	}
	var f *os.File
	if zeroCopy {
		f = sourceFile(buf)
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Print(err)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		go func() {
			defer c.Close()
			go io.Copy(io.Discard, c)
			if f != nil {
				sendFile(c, f, fileSize)
				return
			}
			for {
				if _, err := c.Write(buf); err != nil {
					return
				}
			}
		}()
	}
}

// sourceFile makes an unnamed temporary file of fileSize bytes, repeating
// pattern, for sendfile.
func sourceFile(pattern []byte) *os.File {
	f, err := os.CreateTemp("", "blast-*.dat")
	if err != nil {
		log.Fatal(err)
	}
	os.Remove(f.Name()) // gone when the source exits
	for n := 0; n < fileSize; n += len(pattern) {
		if _, err := f.Write(pattern[:min(len(pattern), fileSize-n)]); err != nil {
			log.Fatal(err)
		}
	}
	return f
}

func runClient(addr string, n int, dur, warmup time.Duration, size, pid int) int {
	var total atomic.Int64
	var stop atomic.Bool
	errs := make(chan error, n)
	for i := range n {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			log.Print(err)
			return 1
		}
		defer c.Close()
		// Some proxies (sluice's connect) dial the upstream on the
		// client's first bytes: send one.
		if _, err := c.Write([]byte("x")); err != nil {
			log.Print(err)
			return 1
		}
		go func() {
			var mine int64
			add := func(k int64) { total.Add(k); mine += k }
			var err error
			if zeroCopy {
				err = discard(c, add, stop.Load, 5*time.Second)
			} else {
				buf := make([]byte, size)
				for !stop.Load() {
					c.SetReadDeadline(time.Now().Add(5 * time.Second))
					var k int
					k, err = c.Read(buf)
					add(int64(k))
					if err != nil {
						break
					}
				}
			}
			if err != nil && !stop.Load() {
				errs <- fmt.Errorf("connection %d of %d, after %d bytes: %w", i+1, n, mine, err)
			}
		}()
	}
	time.Sleep(warmup)
	c0, b0, t0 := cpuTicks(pid), total.Load(), time.Now()
	time.Sleep(dur)
	b1, secs, c1 := total.Load(), time.Since(t0).Seconds(), cpuTicks(pid)
	stop.Store(true)
	select {
	case err := <-errs:
		log.Printf("read: %v", err)
		return 1
	default:
	}
	if b1 == b0 {
		log.Print("no bytes came through")
		return 1
	}
	fmt.Printf("bytes=%d seconds=%.3f MBps=%.1f", b1-b0, secs, float64(b1-b0)/secs/1e6)
	if pid > 0 {
		if c0 < 0 || c1 < 0 {
			log.Printf("cannot read /proc/%d/stat", pid)
			return 1
		}
		fmt.Printf(" cpu_ticks=%d", c1-c0)
	}
	fmt.Println()
	return 0
}

// cpuTicks is utime+stime of process pid (all its threads), in clock
// ticks, from /proc/<pid>/stat; -1 if it cannot be read, 0 for pid 0.
func cpuTicks(pid int) int64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	// The command name, in parentheses, may hold spaces: fields start after
	// the last ')'. Field 3 (state) is f[0]; utime is field 14, stime 15.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return -1
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return -1
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return -1
	}
	return u + s
}
