package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/internal/gcfloor"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/script"
)

// defaultGCFloor is --gc-floor's default, in MiB: with it the pooled proxy
// collects about twice a second at 20,000 requests a second instead of about
// fifteen times (with 4 MiB, Go's own floor), which cost it about a tenth of
// its CPU per request. The price is up to that much more heap under load.
const defaultGCFloor = 16

// Version is the program's version, set at build time with
// -ldflags "-X main.Version=…".
var Version = "0.1.0-dev"

type options struct {
	help, version, listFilters, helpFilters, verify, reusePort bool
	logLevel, guiListen                                        string
	workers, gcFloor                                           int
	guiPort                                                    int
	drain, scriptTimeout                                       time.Duration
	script                                                     string
	ops                                                        opsOptions
}

const usage = `Usage: sluice [options] <script file or directory>

Runs a proxy configured by a JavaScript file written with Pipy's API.
A directory runs its main.js.

Options:
  -h, --help              show this help and exit
  -v, --version           show the version and exit
      --list-filters      list every filter with its arguments and exit
      --help-filters      describe every filter and exit
      --log-level=LEVEL   debug, info, warn or error (default info)
      --verify            load and check the script, then exit (0 if it is valid)
      --reuse-port        listen with SO_REUSEPORT, so that several processes can share the ports
      --workers=N         worker threads (default 1, Pipy's single-threaded semantics)
      --drain=DURATION    how long requests in flight may take to finish on exit (default 10s)
      --gc-floor=MIB      let the heap grow this much past its live size before a garbage
                          collection, however small it is (default 16; 0 = Go's own pacing)
      --script-timeout=DURATION
                          time budget of each script callback (default 1s, 0 = none)
      --gui-port=PORT     serve the development GUI on PORT: edit, run, watch and draw the
                          scripts of a folder in a browser (a directory runs nothing at first,
                          a file runs at once; the GUI can write files and start programs)
      --gui-listen=ADDR   the GUI's listen address (default 127.0.0.1)
` + opsUsage + `
Signals: SIGINT/SIGTERM stop accepting, close idle keep-alive connections, let
requests in flight finish (up to --drain; a second signal stops waiting) and exit;
SIGHUP reloads the script: HTTP keep-alive connections move to the new
configuration after their current request, other connections keep the old one
until they end.
SIGTSTP prints a status table and goes on serving.
Environment: SLUICE_PPROF=127.0.0.1:PORT serves Go's /debug/pprof/ there
(loopback addresses only; off when unset).
`

func parse(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("sluice", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.BoolVar(&o.help, "h", false, "")
	fs.BoolVar(&o.help, "help", false, "")
	fs.BoolVar(&o.version, "v", false, "")
	fs.BoolVar(&o.version, "version", false, "")
	fs.BoolVar(&o.listFilters, "list-filters", false, "")
	fs.BoolVar(&o.helpFilters, "help-filters", false, "")
	fs.BoolVar(&o.verify, "verify", false, "")
	fs.BoolVar(&o.reusePort, "reuse-port", false, "")
	fs.StringVar(&o.logLevel, "log-level", "info", "")
	fs.IntVar(&o.workers, "workers", 1, "")
	fs.IntVar(&o.gcFloor, "gc-floor", defaultGCFloor, "")
	fs.IntVar(&o.guiPort, "gui-port", -1, "") // 0: any free port
	fs.StringVar(&o.guiListen, "gui-listen", "127.0.0.1", "")
	fs.DurationVar(&o.drain, "drain", 10*time.Second, "")
	fs.DurationVar(&o.scriptTimeout, "script-timeout", script.DefaultTimeout, "")
	o.ops.flags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if o.help || o.version || o.listFilters || o.helpFilters {
		return o, nil
	}
	switch fs.NArg() {
	case 0:
		return nil, errors.New("no script given")
	case 1:
		o.script = fs.Arg(0)
	default:
		return nil, fmt.Errorf("one script expected, got %d arguments: %s", fs.NArg(), strings.Join(fs.Args(), " "))
	}
	if o.workers < 1 {
		return nil, fmt.Errorf("--workers must be at least 1, not %d", o.workers)
	}
	if o.gcFloor < 0 {
		return nil, fmt.Errorf("--gc-floor must be at least 0, not %d", o.gcFloor)
	}
	if o.guiPort < -1 || o.guiPort > 65535 {
		return nil, fmt.Errorf("--gui-port must be a port number, not %d", o.guiPort)
	}
	return o, nil
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	return newLoggerAs(w, level, "text")
}

// run is the whole program; it returns the exit status.
func run(args []string, stdout, stderr io.Writer, sig <-chan os.Signal) int {
	o, err := parse(args, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "sluice: %v\n\n%s", err, usage)
		return 2
	}
	switch {
	case o.help:
		fmt.Fprint(stdout, usage)
		return 0
	case o.version:
		fmt.Fprintf(stdout, "sluice %s\n", Version)
		return 0
	case o.listFilters:
		listFilters(stdout)
		return 0
	case o.helpFilters:
		helpFilters(stdout)
		return 0
	}
	log, err := newLoggerAs(stderr, o.logLevel, o.ops.logFormat)
	if err != nil {
		fmt.Fprintf(stderr, "sluice: %v\n", err)
		return 2
	}
	if o.guiPort >= 0 && !o.verify {
		return runGUI(o, stderr, sig)
	}
	path, err := scriptPath(o.script)
	if err != nil {
		fmt.Fprintf(stderr, "sluice: %v\n", err)
		return 1
	}
	load := func() (*pipeline.Module, error) { return loadScript(o, log, path) }
	m, err := load()
	if err != nil {
		fmt.Fprintf(stderr, "sluice: %v\n", err)
		return 1
	}
	if o.verify {
		fmt.Fprintf(stdout, "sluice: %s is valid\n", path)
		return 0
	}
	if a := os.Getenv(pprofEnv); a != "" {
		addr, stop, err := servePprof(a)
		if err != nil {
			fmt.Fprintf(stderr, "%v\n", err)
			return 1
		}
		defer stop()
		log.Info("pprof", "addr", addr.String())
	}
	gcfloor.Start(int64(o.gcFloor) << 20)
	filter.EnableExecReaper() // started by the first exec, if any
	pr, err := pipeline.Start(m, pipeline.StartOptions{Workers: o.workers, WorkerOptions: pipeline.WorkerOptions{Logger: log}})
	if err != nil {
		log.Error("cannot start", "script", path, "err", err)
		return 1
	}
	for _, a := range pr.Addrs() {
		log.Info("listening", "addr", a.String(), "script", path)
	}
	x, err := startOps(&o.ops, log, stderr, pr)
	if err != nil {
		log.Error("cannot start", "err", err)
		pr.Close()
		return 1
	}
	defer x.stop()
	var changed <-chan struct{}
	var sw *scriptWatcher
	if o.ops.watch {
		if sw, err = newScriptWatcher(log, path, m); err != nil {
			log.Error("--watch", "err", err)
			pr.Close()
			return 1
		}
		defer sw.close()
		changed = sw.changed
		log.Info("watching", "files", strings.Join(sw.watched(), " "))
	}
	reload := func() {
		nm, err := load()
		if err == nil {
			err = pr.Reload(context.Background(), nm)
		}
		x.reloaded(err)
		if sw != nil && nm != nil {
			sw.track(path, nm)
		}
		if err != nil {
			log.Error("reload failed; keeping the running configuration", "script", path, "err", err)
			return
		}
		log.Info("reloaded", "script", path)
	}
wait:
	for {
		select {
		case <-changed:
			reload()
		case s := <-sig:
			switch {
			case isStatusSignal(s):
				printStatus(stdout, log, pr)
			case s == syscall.SIGHUP:
				reload()
			default:
				break wait
			}
		}
	}
	x.drain()
	if d := o.ops.drainDelay; d > 0 {
		log.Info("draining: not ready, still listening", "for", d.String())
		delay, stop := context.WithTimeout(context.Background(), d)
		if s := drainSignals(delay, sig, stdout, log, pr); s != nil {
			log.Warn("second signal: shutting down without the rest of the drain delay", "signal", s.String())
		}
		stop()
	}
	log.Info("shutting down", "drain", o.drain.String())
	ctx, cancel := context.WithTimeout(context.Background(), o.drain)
	defer cancel()
	go func() {
		// A second SIGINT or SIGTERM stops waiting for open connections.
		if s := drainSignals(ctx, sig, stdout, log, pr); s != nil {
			log.Warn("second signal: cutting the connections still open", "signal", s.String())
			cancel()
		}
	}()
	// Idle keep-alive connections close at once, requests in flight are
	// answered (with Connection: close) and their connections closed; what
	// is still open at the deadline is cut, and counted here.
	if err := pr.Shutdown(ctx); err != nil {
		if !errors.Is(err, pipeline.ErrConnsCut) {
			log.Error("shutdown", "err", err)
			return 1
		}
		log.Warn("drain ended before every connection had finished", "err", err)
	}
	log.Info("stopped")
	return 0
}

// drainSignals handles the signals that come while the program drains,
// until ctx is done (nil) or a SIGINT or SIGTERM comes (returned): the
// status signal prints the status, as before the drain; SIGHUP is logged
// and ignored, since there is nothing to reload into any more. Any of them
// cutting the drain short would cut connections a client is waiting on.
func drainSignals(ctx context.Context, sig <-chan os.Signal, stdout io.Writer, log *slog.Logger, pr *pipeline.Program) os.Signal {
	for {
		select {
		case <-ctx.Done():
			return nil
		case s := <-sig:
			switch {
			case isStatusSignal(s):
				printStatus(stdout, log, pr)
			case s == syscall.SIGHUP:
				log.Info("reload ignored: shutting down", "signal", s.String())
			default:
				return s
			}
		}
	}
}

// loadScript loads and builds the script at path as o says, and logs its
// pipeline graph.
func loadScript(o *options, log *slog.Logger, path string) (*pipeline.Module, error) {
	m, err := script.Load(path, script.Options{Logger: log, Timeout: o.timeout()})
	if err != nil {
		return nil, err
	}
	if err := m.Build(); err != nil {
		return nil, err
	}
	logConfig(log, m)
	for _, p := range m.Pipelines {
		if p.Kind == pipeline.Listen && o.reusePort {
			p.ListenOptions.ReusePort = true
		}
	}
	return m, nil
}

// timeout is the script time budget to load with: --script-timeout, where
// 0 means none.
func (o *options) timeout() time.Duration {
	if o.scriptTimeout <= 0 {
		return -1 // none
	}
	return o.scriptTimeout
}

// scriptPath returns the script to run for arg: arg itself, or the main.js
// of a directory.
func scriptPath(arg string) (string, error) {
	fi, err := os.Stat(arg)
	if err != nil {
		return "", err
	}
	if fi.IsDir() {
		p := filepath.Join(arg, "main.js")
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s is a directory without main.js", arg)
		}
		return p, nil
	}
	return arg, nil
}

// listFilters prints every filter, one line each (--help-filters: see
// helpFilters).
func listFilters(w io.Writer) {
	infos := script.Filters()
	width := 0
	for _, i := range infos {
		width = max(width, len(i.Name)+len(i.Synopsis))
	}
	for _, i := range infos {
		fmt.Fprintf(w, "%-*s  %s\n", width, i.Name+i.Synopsis, i.Summary)
	}
}
