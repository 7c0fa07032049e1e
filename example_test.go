package sluice_test

import (
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
)

// A TCP proxy assembled in Go, on listeners the program owns: what the
// client sends goes to the upstream in upper case, and what the upstream
// (an echo server) sends back comes back to the client.
func Example() {
	up := echoServer()
	defer up.Close()

	p := pipeline.New("proxy",
		filter.ReplaceData(func(s *pipeline.Stream, d *event.Data, out pipeline.Target) {
			out.Input(event.FromString(strings.ToUpper(d.String())))
		}),
		filter.Connect(up.Addr().String(), filter.ConnectOptions{}),
	)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	srv := pipeline.NewServer(p, nil) // GOMAXPROCS workers
	go srv.Serve(ln)
	defer srv.Close()

	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		panic(err)
	}
	io.WriteString(c, "hello through sluice")
	c.(*net.TCPConn).CloseWrite() // the proxy passes the half-close on
	b, _ := io.ReadAll(c)         // until the upstream closes
	c.Close()
	fmt.Println(string(b))
	// Output: HELLO THROUGH SLUICE
}

// echoServer listens on 127.0.0.1 and sends back what each connection sends
// until it half-closes.
func echoServer() net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				io.Copy(c, c)
				c.Close()
			}()
		}
	}()
	return ln
}
