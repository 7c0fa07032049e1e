package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
)

// pprofEnv names the environment variable that turns on Go's profiling
// endpoints: SLUICE_PPROF=127.0.0.1:6060 serves /debug/pprof/ (goroutines,
// heap, CPU profiles) on that address. It is off unless set, and only a
// loopback address is accepted: the endpoints show the program's internals
// and a CPU profile costs CPU, so they are for the machine's own operator
// (bench/soak samples goroutines through it), never for the network.
const pprofEnv = "SLUICE_PPROF"

// errPprofAddr is returned for a SLUICE_PPROF address that is not loopback.
var errPprofAddr = errors.New("sluice: " + pprofEnv + " must be a loopback host:port, such as 127.0.0.1:6060")

// servePprof serves net/http/pprof's handlers on addr, which must be a
// loopback address. It returns the address it listens on and a function that
// stops it.
func servePprof(addr string) (net.Addr, func(), error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", errPprofAddr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, nil, fmt.Errorf("%w: not %q", errPprofAddr, addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("sluice: %s: %w", pprofEnv, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	return ln.Addr(), func() { srv.Close() }, nil
}
