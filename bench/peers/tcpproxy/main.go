// Command tcpproxy is a bare TCP proxy: for each client connection it dials
// the upstream and copies both ways with io.Copy (which splices on Linux).
// It is the baseline for sluice's pass-through (connect alone) in bench/run.
// Splicing holds a pipe (two descriptors) per direction while it waits, so an
// idle proxied connection takes six descriptors.
package main

import (
	"flag"
	"io"
	"log"
	"net"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	upstream := flag.String("upstream", "127.0.0.1:8081", "upstream host:port")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			// Out of descriptors, say: wait, as net/http does.
			log.Print(err)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		go serve(c.(*net.TCPConn), *upstream)
	}
}

func serve(c *net.TCPConn, upstream string) {
	defer c.Close()
	u, err := net.Dial("tcp", upstream)
	if err != nil {
		return
	}
	defer u.Close()
	done := make(chan struct{})
	go func() {
		io.Copy(u, c)
		u.(*net.TCPConn).CloseWrite()
		close(done)
	}()
	io.Copy(c, u)
	c.CloseWrite()
	<-done
}
