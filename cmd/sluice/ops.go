package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/metrics"
	"github.com/sluice-go/sluice/pipeline"
)

// opsOptions are the flags an operator sets: metrics and health, live
// reload, log format and access log.
type opsOptions struct {
	metricsAddr string        // --metrics: serve /metrics, /healthz, /readyz, /status there
	watch       bool          // --watch: reload when the script or a module it uses changes
	logFormat   string        // --log-format: text or json
	accessLog   string        // --access-log: "" off, "-" the log, or a file
	drainDelay  time.Duration // --drain-delay: not ready, still listening, for this long
}

const opsUsage = `      --metrics=ADDR      serve Prometheus /metrics, /healthz, /readyz and /status (JSON) on ADDR
      --watch             reload when the script or a module it uses changes (a ConfigMap update too)
      --log-format=FORMAT text or json (default text)
      --access-log=FILE   log one line per HTTP request to FILE ("-": with the other logs)
      --drain-delay=DURATION
                          on SIGTERM, how long /readyz fails before the listeners close (default 0)
`

// flags adds the operator's flags to fs.
func (o *opsOptions) flags(fs *flag.FlagSet) {
	fs.StringVar(&o.metricsAddr, "metrics", "", "")
	fs.BoolVar(&o.watch, "watch", false, "")
	fs.StringVar(&o.logFormat, "log-format", "text", "")
	fs.StringVar(&o.accessLog, "access-log", "", "")
	fs.DurationVar(&o.drainDelay, "drain-delay", 0, "")
}

// errLogFormat is returned for a --log-format that is neither text nor json.
var errLogFormat = errors.New("--log-format: not one of text, json")

// handler returns the slog handler of format (text or json) writing to w.
func handler(w io.Writer, level slog.Level, format string) (slog.Handler, error) {
	opts := &slog.HandlerOptions{Level: level}
	switch format {
	case "", "text":
		return slog.NewTextHandler(w, opts), nil
	case "json":
		return slog.NewJSONHandler(w, opts), nil
	}
	return nil, fmt.Errorf("%w: %q", errLogFormat, format)
}

// newLoggerAs returns the program's logger: level as --log-level gives it,
// format as --log-format does.
func newLoggerAs(w io.Writer, level, format string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %q is not one of debug, info, warn, error", level)
	}
	h, err := handler(w, l, format)
	if err != nil {
		return nil, err
	}
	return slog.New(h), nil
}

// ops is what serves the operator while the program runs: the metrics and
// health endpoints, and the HTTP observer (metrics, access log).
type ops struct {
	log      *slog.Logger
	pr       *pipeline.Program
	col      *metrics.Collector
	srv      *http.Server
	addr     net.Addr
	draining atomic.Bool
	closers  []func()
}

// startOps starts what o asks for around pr. It returns a usable *ops even
// when nothing is asked.
func startOps(o *opsOptions, log *slog.Logger, stderr io.Writer, pr *pipeline.Program) (*ops, error) {
	x := &ops{log: log, pr: pr, col: metrics.New(pr)}
	var access http1.Observer
	if o.accessLog != "" {
		l, closeLog, err := o.accessLogger(log, stderr)
		if err != nil {
			return nil, err
		}
		x.closers = append(x.closers, closeLog)
		access = accessLog{l}
	}
	switch {
	case o.metricsAddr != "":
		http1.SetObserver(x.col.HTTP().Then(access))
	case access != nil:
		http1.SetObserver(access)
	}
	if o.metricsAddr == "" {
		return x, nil
	}
	ln, err := net.Listen("tcp", o.metricsAddr)
	if err != nil {
		x.stop()
		return nil, fmt.Errorf("--metrics: %w", err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(x.col, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelError)}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /readyz", x.readyz)
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(statusOf(pr))
	})
	x.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	x.addr = ln.Addr()
	go x.srv.Serve(ln)
	log.Info("metrics", "addr", x.addr.String())
	return x, nil
}

// readyz answers 200 while the program listens and is not draining, 503
// once a drain (SIGTERM) has begun.
func (x *ops) readyz(w http.ResponseWriter, _ *http.Request) {
	if x.draining.Load() {
		http.Error(w, "draining", http.StatusServiceUnavailable)
		return
	}
	io.WriteString(w, "ok\n")
}

// drain makes /readyz fail from now on.
func (x *ops) drain() { x.draining.Store(true) }

// reloaded counts a reload's outcome.
func (x *ops) reloaded(err error) { x.col.Reloaded(err) }

// stop stops serving the endpoints and the observer.
func (x *ops) stop() {
	http1.SetObserver(nil)
	if x.srv != nil {
		x.srv.Close()
	}
	for _, c := range x.closers {
		c()
	}
}

// accessLogger returns the logger of the access log and what closes it.
func (o *opsOptions) accessLogger(log *slog.Logger, stderr io.Writer) (*slog.Logger, func(), error) {
	if o.accessLog == "-" {
		return log, func() {}, nil
	}
	f, err := os.OpenFile(o.accessLog, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("--access-log: %w", err)
	}
	h, err := handler(f, slog.LevelInfo, o.logFormat)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return slog.New(h), func() { f.Close() }, nil
}

// accessLog writes one line per answered request.
type accessLog struct{ l *slog.Logger }

// Answered logs x.
func (a accessLog) Answered(x *http1.Exchange) {
	ctx := x.Stream.Context()
	client := ""
	if ctx.RemoteAddr != nil {
		client = ctx.RemoteAddr.String()
	}
	a.l.LogAttrs(context.Background(), slog.LevelInfo, "access",
		slog.String("client", client),
		slog.String("method", x.Method),
		slog.String("path", x.Path),
		slog.Int("status", x.Status),
		slog.Int64("bytes", x.Bytes),
		slog.Duration("duration", x.Duration),
		slog.String("upstream", ctx.Upstream()))
}

// Refused does nothing: the request decoder logs refusals itself.
func (accessLog) Refused(int) {}
