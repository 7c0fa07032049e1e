// Package peer holds what the programs under bench/peers share: profile
// flags and waiting for the signal that stops them. It is for the benchmark
// scripts only (bench/run, bench/profile), not part of sluice's API.
package peer

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"syscall"
)

// Profile is the -cpuprofile, -memprofile and -memprofilerate flags.
type Profile struct {
	cpu, mem string
	rate     int
	cpuFile  *os.File
	start    runtime.MemStats
}

// ProfileFlags registers the profile flags on the default flag set; call
// before flag.Parse.
func ProfileFlags() *Profile {
	p := &Profile{}
	flag.StringVar(&p.cpu, "cpuprofile", "", "write a CPU profile to this file (from start to exit)")
	flag.StringVar(&p.mem, "memprofile", "", "write an allocation profile to this file at exit")
	flag.IntVar(&p.rate, "memprofilerate", 0, "runtime.MemProfileRate (0: Go's default, 512 KiB)")
	return p
}

// Start starts the CPU profile, if asked for, and sets the allocation
// sampling rate. Call after flag.Parse, before serving.
func (p *Profile) Start() {
	if p.rate > 0 {
		runtime.MemProfileRate = p.rate
	}
	runtime.ReadMemStats(&p.start)
	if p.cpu == "" {
		return
	}
	f, err := os.Create(p.cpu)
	if err != nil {
		log.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		log.Fatal(err)
	}
	p.cpuFile = f
}

// Stop writes the profiles and prints, on standard error, how many heap
// allocations (mallocs=) and bytes (alloc_bytes=) the program made since
// Start, so that a script can divide them by the requests it sent.
func (p *Profile) Stop() {
	if p.cpuFile != nil {
		pprof.StopCPUProfile()
		p.cpuFile.Close()
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	fmt.Fprintf(os.Stderr, "mallocs=%d alloc_bytes=%d gc=%d\n",
		m.Mallocs-p.start.Mallocs, m.TotalAlloc-p.start.TotalAlloc, m.NumGC-p.start.NumGC)
	if p.mem == "" {
		return
	}
	f, err := os.Create(p.mem)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		log.Fatal(err)
	}
}

// WaitSignal blocks until SIGINT or SIGTERM.
func WaitSignal() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	signal.Stop(sig)
}
