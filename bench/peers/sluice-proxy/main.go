// Command sluice-proxy is bench/scripts/proxy.js built with sluice's Go API:
// an HTTP reverse proxy that keeps one upstream connection per client
// connection (decode request, encode request, connect, decode response,
// encode response). With -cpuprofile/-memprofile it writes profiles when
// stopped (SIGTERM/SIGINT).
package main

import (
	"flag"
	"log"

	"github.com/sluice-go/sluice/bench/internal/peer"
	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	upstream := flag.String("upstream", "127.0.0.1:8081", "upstream host:port")
	workers := flag.Int("workers", 1, "sluice workers")
	prof := peer.ProfileFlags()
	flag.Parse()
	prof.Start()
	m := pipeline.NewModule("proxy")
	m.Listen(*addr, pipeline.ListenOptions{},
		http1.DecodeRequest(),
		http1.EncodeRequest(nil),
		filter.Connect(*upstream, filter.ConnectOptions{}),
		http1.DecodeResponse(),
		http1.EncodeResponse(nil),
	)
	pr, err := pipeline.Start(m, pipeline.StartOptions{Workers: *workers})
	if err != nil {
		log.Fatal(err)
	}
	peer.WaitSignal()
	pr.Close()
	prof.Stop()
}
