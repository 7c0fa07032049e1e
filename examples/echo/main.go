// Command echo is a TCP echo server assembled in Go with sluice: every
// connection runs a pipeline with no filters, so what a client sends comes
// straight back.
//
//	go run ./examples/echo -listen 127.0.0.1:8000
//	printf 'hello\n' | nc -q1 127.0.0.1 8000
package main

import (
	"context"
	"flag"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/sluice-go/sluice/pipeline"
)

func main() {
	addr := flag.String("listen", "127.0.0.1:8000", "address to listen on")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("echo: listening on %s", ln.Addr())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := pipeline.Serve(ctx, ln, pipeline.New("echo")); err != nil && err != context.Canceled {
		log.Fatal(err)
	}
}
