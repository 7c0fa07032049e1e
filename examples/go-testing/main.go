// Command go-testing serves a small HTTP chain assembled in Go; its test,
// main_test.go, is the point: it shows how to test a chain in-process with
// package pipelinetest, feeding it every split of an input, moving the
// worker's manual clock to fire timeouts, and waiting for work done on
// goroutines, without sockets or sleeps.
//
//	go run ./examples/go-testing -listen 127.0.0.1:8000
//	curl 'http://127.0.0.1:8000/hello?name=ada'
//	go test ./examples/go-testing
package main

import (
	"context"
	"errors"
	"flag"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
)

// HeadTimeout is how long a client may take to send a request head.
const HeadTimeout = 5 * time.Second

// Greet answers GET /hello?name=N with "hello, N", and anything else with a
// 404. It runs off the worker (filter.Async), as a handler that looks the
// name up somewhere would.
func Greet(ctx context.Context, msg *event.Message) (*event.Message, error) {
	req, ok := http1.RequestOf(msg)
	if !ok {
		return nil, errors.New("not an HTTP request")
	}
	u, err := req.URL()
	if err != nil || u.Path != "/hello" {
		return http1.Response(404, ""), nil
	}
	name := req.Query().Get("name")
	if name == "" {
		name = "world"
	}
	return http1.Response(200, "hello, "+name), nil
}

// Greeter is the chain under test: HTTP requests in, greetings out.
func Greeter() *pipeline.Pipeline {
	return pipeline.New("greeter",
		&http1.DecodeRequestFilter{HeadTimeout: HeadTimeout},
		filter.Async(Greet),
		http1.EncodeResponse(nil),
	)
}

func main() {
	addr := flag.String("listen", "127.0.0.1:8000", "address to listen on")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("go-testing: listening on %s", ln.Addr())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := pipeline.Serve(ctx, ln, Greeter()); err != nil && !errors.Is(err, context.Canceled) {
		log.Fatal(err)
	}
}
