// Command sluice-js runs a JavaScript configuration the way cmd/sluice does
// (script.Load, then pipeline.Start), with -cpuprofile/-memprofile added, so
// that bench/profile can profile the JS cases; cmd/sluice has no profile
// flag. It stops on SIGTERM/SIGINT, writing the profiles.
package main

import (
	"flag"
	"log"
	"log/slog"
	"os"

	"github.com/sluice-go/sluice/bench/internal/peer"
	"github.com/sluice-go/sluice/internal/gcfloor"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/script"
)

func main() {
	workers := flag.Int("workers", 1, "sluice workers")
	prof := peer.ProfileFlags()
	flag.Parse()
	if flag.NArg() != 1 {
		log.Fatal("usage: sluice-js [flags] script.js")
	}
	prof.Start()
	gcfloor.Start(16 << 20) // as cmd/sluice's default --gc-floor
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	m, err := script.Load(flag.Arg(0), script.Options{Logger: logger})
	if err != nil {
		log.Fatal(err)
	}
	if err := m.Build(); err != nil {
		log.Fatal(err)
	}
	pr, err := pipeline.Start(m, pipeline.StartOptions{Workers: *workers, WorkerOptions: pipeline.WorkerOptions{Logger: logger}})
	if err != nil {
		log.Fatal(err)
	}
	peer.WaitSignal()
	pr.Close()
	prof.Stop()
}
