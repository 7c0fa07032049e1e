// Command sluice-hello is examples/hello built with sluice's Go API (as in
// script/hello_bench_test.go): one worker, a constant reply. With
// -cpuprofile/-memprofile it writes profiles when stopped (SIGTERM/SIGINT).
package main

import (
	"flag"
	"log"

	"github.com/sluice-go/sluice/bench/internal/peer"
	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
)

const hello = "Hello, World!\n"

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	workers := flag.Int("workers", 1, "sluice workers")
	prof := peer.ProfileFlags()
	flag.Parse()
	prof.Start()
	m := pipeline.NewModule("hello")
	m.Listen(*addr, pipeline.ListenOptions{},
		http1.DecodeRequest(),
		filter.ReplaceMessage(func(s *pipeline.Stream, msg *event.Message, out pipeline.Target) {
			pipeline.Emit(out, &event.Message{Body: event.FromString(hello)})
		}),
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
