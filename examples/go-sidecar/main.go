// Command go-sidecar is a reverse proxy assembled in Go with sluice, as a
// sidecar in front of one local service: it adds a header to every request
// and to every answer, keeps a pool of keep-alive connections to the
// service, and answers 503 when the service cannot be reached and 504 when
// it does not answer in time.
//
//	go run ./examples/go-sidecar -listen 127.0.0.1:8000 -upstream 127.0.0.1:8080
//	curl -i http://127.0.0.1:8000/
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

// Options configure the sidecar.
type Options struct {
	Upstream      string        // the service's "host:port"
	Name          string        // sent as X-Sidecar on requests and answers
	AnswerTimeout time.Duration // how long the service may take to answer
}

// Pipeline returns the sidecar's listen pipeline.
func Pipeline(o Options) *pipeline.Pipeline {
	return pipeline.New("go-sidecar",
		http1.DecodeRequest(),
		filter.ReplaceMessageStart(func(s *pipeline.Stream, ms *event.MessageStart, out pipeline.Target) {
			if h, ok := ms.Head.(*http1.RequestHead); ok {
				h.Headers.Set("x-sidecar", o.Name)
				if a, ok := s.Context().RemoteAddr.(*net.TCPAddr); ok {
					h.Headers.Set("x-forwarded-for", a.IP.String())
				}
			}
			out.Input(ms)
		}),
		http1.MuxHTTP(o.Upstream, http1.MuxHTTPOptions{
			MaxConns:    32,
			IdleTimeout: 30 * time.Second,
			Outbound: pipeline.OutboundOptions{
				ConnectTimeout: 2 * time.Second,
				AnswerTimeout:  o.AnswerTimeout,
			},
		}),
		filter.ReplaceMessageStart(func(s *pipeline.Stream, ms *event.MessageStart, out pipeline.Target) {
			if h, ok := ms.Head.(*http1.ResponseHead); ok {
				h.Headers.Set("x-sidecar", o.Name)
			}
			out.Input(ms)
		}),
		http1.EncodeResponse(nil),
	)
}

func main() {
	addr := flag.String("listen", "127.0.0.1:8000", "address to listen on")
	upstream := flag.String("upstream", "127.0.0.1:8080", "the service to proxy to")
	timeout := flag.Duration("timeout", 30*time.Second, "how long the service may take to answer")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("go-sidecar: listening on %s, proxying to %s", ln.Addr(), *upstream)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	p := Pipeline(Options{Upstream: *upstream, Name: "go-sidecar", AnswerTimeout: *timeout})
	if err := pipeline.Serve(ctx, ln, p); err != nil && !errors.Is(err, context.Canceled) {
		log.Fatal(err)
	}
}
