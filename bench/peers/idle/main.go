// Command idle opens many TCP connections and holds them, so that bench/run
// can measure what an idle connection costs a server; with -serve it is the
// upstream that such connections are proxied to.
//
//	idle -connect 127.0.0.1:8080 -n 10000 -mode http   # client
//	idle -serve 127.0.0.1:9000                         # echoing upstream
//
// The client opens -n connections, -concurrency at a time. In each it sends
// what -mode says and waits for the first bytes of the answer, so that when
// it prints "ready N failed M" every connection is fully set up (through a
// proxy: the upstream connection too). Modes: http sends one keep-alive
// "GET /" and waits for the response; echo sends one byte and waits for it
// to come back (through a pass-through proxy to "idle -serve"); none sends
// nothing. Then it holds the connections, silent, until SIGTERM/SIGINT or
// -hold passes. The server echoes whatever it receives.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	serve := flag.String("serve", "", "listen address: run as the echoing upstream")
	connect := flag.String("connect", "", "address to open connections to")
	n := flag.Int("n", 10000, "connections to open")
	conc := flag.Int("concurrency", 100, "connections being opened at once")
	mode := flag.String("mode", "http", "what each connection sends first: http, echo or none")
	timeout := flag.Duration("timeout", 60*time.Second, "limit for opening all connections")
	hold := flag.Duration("hold", 5*time.Minute, "how long to hold them at most")
	flag.Parse()
	switch {
	case *serve != "":
		runServer(*serve)
	case *connect != "":
		runClient(*connect, *n, *conc, *mode, *timeout, *hold)
	default:
		log.Fatal("give -serve or -connect")
	}
}

func runServer(addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go func() {
			defer c.Close()
			buf := make([]byte, 512)
			for {
				k, err := c.Read(buf)
				if err != nil {
					return
				}
				if _, err := c.Write(buf[:k]); err != nil {
					return
				}
			}
		}()
	}
}

func runClient(addr string, n, conc int, mode string, timeout, hold time.Duration) {
	var first []byte
	switch mode {
	case "http":
		first = []byte("GET / HTTP/1.1\r\nHost: bench\r\n\r\n")
	case "echo":
		first = []byte("x")
	case "none":
	default:
		log.Fatalf("unknown -mode %q", mode)
	}
	deadline := time.Now().Add(timeout)
	conns := make([]net.Conn, n)
	var failed atomic.Int64
	var firstErr atomic.Value
	sem := make(chan struct{}, max(conc, 1))
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			c, err := open(addr, first, deadline)
			if err != nil {
				failed.Add(1)
				firstErr.CompareAndSwap(nil, err.Error())
				return
			}
			conns[i] = c
		}()
	}
	wg.Wait()
	fmt.Printf("ready %d failed %d\n", int64(n)-failed.Load(), failed.Load())
	if e := firstErr.Load(); e != nil {
		fmt.Fprintf(os.Stderr, "idle: first error: %s\n", e)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	select {
	case <-sig:
	case <-time.After(hold):
	}
	for _, c := range conns {
		if c != nil {
			c.Close()
		}
	}
}

// open dials addr, sends first and waits for the first bytes of the answer.
func open(addr string, first []byte, deadline time.Time) (net.Conn, error) {
	d := net.Dialer{Deadline: deadline}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	if len(first) == 0 {
		return c, nil
	}
	c.SetDeadline(deadline)
	if _, err := c.Write(first); err != nil {
		c.Close()
		return nil, err
	}
	buf := make([]byte, 4096)
	if _, err := c.Read(buf); err != nil {
		c.Close()
		if err == io.EOF {
			err = fmt.Errorf("closed by the server")
		}
		return nil, err
	}
	c.SetDeadline(time.Time{})
	return c, nil
}
