package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/gui"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/script"
)

// captureStdio makes the GUI show what scripts write to standard output
// (print) and standard error (dump) in its log console too. main sets it;
// tests, which run in the test binary's process, leave it off.
var captureStdio bool

// runGUI serves the GUI for o.script (a folder, or a file whose folder is
// served and which runs at once) until a signal stops it; it returns the
// exit status. SIGHUP restarts the running script.
func runGUI(o *options, stderr io.Writer, sig <-chan os.Signal) int {
	logs := gui.NewLog()
	log, err := newLogger(io.MultiWriter(stderr, logs.Writer("")), o.logLevel)
	if err != nil {
		fmt.Fprintf(stderr, "sluice: %v\n", err)
		return 2
	}
	fi, err := os.Stat(o.script)
	if err != nil {
		fmt.Fprintf(stderr, "sluice: %v\n", err)
		return 1
	}
	dir, first := o.script, ""
	if !fi.IsDir() {
		dir, first = filepath.Dir(o.script), "/"+filepath.Base(o.script)
	}
	if captureStdio {
		restore := captureOutput(logs)
		defer restore()
	}
	filter.EnableExecReaper() // started by the first exec, if any
	srv, err := gui.New(gui.Options{
		Dir:  dir,
		Load: func(path string) (*pipeline.Module, error) { return loadScript(o, log, path) },
		// Drawing runs the script's top-level code as it is typed: always
		// within a budget, even with --script-timeout=0.
		Check: func(path, src string) (*pipeline.Module, error) {
			return script.LoadSource(path, src, script.Options{Logger: slog.New(slog.DiscardHandler)})
		},
		Start: func(m *pipeline.Module) (*pipeline.Program, error) {
			return pipeline.Start(m, pipeline.StartOptions{Workers: o.workers, WorkerOptions: pipeline.WorkerOptions{Logger: log}})
		},
		Drain:  o.drain,
		Log:    logs,
		Hosts:  hostNames(o.guiListen),
		Logger: log,
	})
	if err != nil {
		fmt.Fprintf(stderr, "sluice: %v\n", err)
		return 1
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", net.JoinHostPort(o.guiListen, strconv.Itoa(o.guiPort)))
	if err != nil {
		fmt.Fprintf(stderr, "sluice: --gui-port: %v\n", err)
		return 1
	}
	if !loopback(o.guiListen) {
		log.Warn("the GUI listens beyond this machine: whoever reaches it can write files in its folder and start programs", "addr", ln.Addr().String())
	}
	// Requests' contexts end when the GUI stops, so that log streams do
	// not hold up the server's shutdown.
	base, stopRequests := context.WithCancel(context.Background())
	defer stopRequests()
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, BaseContext: func(net.Listener) context.Context { return base }}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	if first != "" {
		if err := srv.Run(first); err != nil {
			log.Error("cannot start; fix it in the GUI", "script", first, "err", err)
		}
	}
	log.Info("gui", "url", "http://"+ln.Addr().String()+"/", "dir", dir)
loop:
	for {
		select {
		case s := <-sig:
			if isStatusSignal(s) {
				continue
			}
			if s == syscall.SIGHUP {
				if p := srv.Running(); p != "" {
					if err := srv.Run(p); err != nil {
						log.Error("reload failed; keeping the running configuration", "script", p, "err", err)
					}
				}
				continue
			}
			break loop
		case err := <-done:
			log.Error("gui", "err", err)
			return 1
		}
	}
	log.Info("shutting down", "drain", o.drain.String())
	stopRequests()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(ctx); err != nil {
		hs.Close()
	}
	if err := srv.Close(); err != nil {
		log.Error("shutdown", "err", err)
		return 1
	}
	log.Info("stopped")
	return 0
}

// hostNames returns the host names, besides localhost and IP addresses, that
// the GUI answers to: the --gui-listen address when it is a name.
func hostNames(listen string) []string {
	if listen == "" || net.ParseIP(listen) != nil {
		return nil
	}
	return []string{listen}
}

// loopback reports whether host is a loopback address or name.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// captureOutput sends what is written to os.Stdout and os.Stderr to the
// log too (as "print" and "dump" lines), still writing it where it went.
// It returns a function that puts them back.
func captureOutput(logs *gui.Log) (restore func()) {
	var undo []func()
	for _, c := range []struct {
		f     **os.File
		level string
	}{{&os.Stdout, "print"}, {&os.Stderr, "dump"}} {
		r, w, err := os.Pipe()
		if err != nil {
			continue
		}
		orig := *c.f
		*c.f = w
		copied := make(chan struct{})
		go func() {
			defer close(copied)
			br := bufio.NewReader(r)
			lw := logs.Writer(c.level)
			buf := make([]byte, 32<<10)
			for {
				n, err := br.Read(buf)
				if n > 0 {
					orig.Write(buf[:n])
					lw.Write(buf[:n])
				}
				if err != nil {
					return
				}
			}
		}()
		undo = append(undo, func() {
			*c.f = orig
			w.Close()
			<-copied
			r.Close()
		})
	}
	return func() {
		for _, u := range undo {
			u()
		}
	}
}
