// Package gui serves sluice's development GUI: a web page where a script
// author browses a folder of configurations, edits one, starts, restarts or
// stops it, watches its log, and sees each configuration drawn as a graph of
// pipelines and filters (`sluice --gui-port=6060 DIR`).
//
// The page talks to a JSON API under /api (see Server); its assets, built
// from web/ with ./web/build, are embedded in the binary. Only cmd/sluice
// uses this package: how a script is loaded and run is given to it in
// Options; it uses the public API of pipeline (graphs, programs) and of
// script (error positions) only.
package gui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sluice-go/sluice/pipeline"
)

// Options configure a Server. Dir, Load and Start are required.
type Options struct {
	// Dir is the folder the GUI serves: every file path in the API is
	// relative to it, and none may leave it.
	Dir string
	// Load loads and builds the script file at path (an absolute path in
	// Dir) for running. Its errors may be *script.Error-like values with a
	// position (see Position).
	Load func(path string) (*pipeline.Module, error)
	// Check loads a script's text, given as the file at path, without
	// running it: no port is opened and no callback runs. It returns the
	// module, unstarted, or the load error. nil makes POST /api/graph
	// answer 404.
	Check func(path, src string) (*pipeline.Module, error)
	// Start starts a loaded module.
	Start func(m *pipeline.Module) (*pipeline.Program, error)
	// Drain is how long a stopped program's open connections may take to
	// finish; 0 means 5 seconds.
	Drain time.Duration
	// Log is the log GET /api/log serves; nil makes an empty one.
	Log *Log
	// Hosts are the host names, besides "localhost" and IP addresses, that
	// requests may name in their Host header; any other is refused, so
	// that a web page whose domain is made to resolve to this machine
	// (DNS rebinding) cannot read or write through the GUI.
	Hosts []string
	// Logger receives the GUI's own messages (programs started and
	// stopped); nil means slog.Default().
	Logger *slog.Logger
}

// Server is the GUI's HTTP handler: the page at /, the API under /api.
//
//	GET    /api/files          the tree of Dir, sorted, dot-files left out
//	GET    /api/files/PATH     a file's bytes
//	POST   /api/files/PATH     create or replace a file (the body), 201
//	DELETE /api/files/PATH     delete a file, 204
//	GET    /api/program        the running script's path ("" when none)
//	POST   /api/program        load and start the script named by the body, 201
//	DELETE /api/program        stop the running script, 204
//	GET    /api/config         the running program's pipeline graph
//	POST   /api/graph?path=P   the graph of the script text in the body, not run
//	GET    /api/log?since=N    the log's lines from index N
//	GET    /api/log/stream     new log lines as Server-Sent Events
//
// Paths are written with a leading slash ("/sub/x.js"). Every answer of the
// API is JSON (but a file's bytes); an error is {"error": "..."} with a 4xx
// status, and, for a script that does not load, the "file", "line" and
// "column" of the error when it has them.
type Server struct {
	opts Options
	root *os.Root
	real string // Dir with its symbolic links resolved
	log  *Log
	csrf *http.CrossOriginProtection

	mu      sync.Mutex // serialises program changes
	prog    *pipeline.Program
	running string // the running script's API path
}

// New returns a server for opts. Close it to stop the running program.
func New(opts Options) (*Server, error) {
	if opts.Drain <= 0 {
		opts.Drain = 5 * time.Second
	}
	if opts.Log == nil {
		opts.Log = NewLog()
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	abs, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("gui: %w", err)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, fmt.Errorf("gui: %w", err)
	}
	root, err := os.OpenRoot(real)
	if err != nil {
		return nil, fmt.Errorf("gui: %w", err)
	}
	opts.Dir = abs
	return &Server{opts: opts, root: root, real: real, log: opts.Log, csrf: http.NewCrossOriginProtection()}, nil
}

// Close stops the running program, letting its connections finish for up
// to Options.Drain, and releases the folder.
func (s *Server) Close() error {
	err := s.stop()
	s.root.Close()
	return err
}

// ServeHTTP routes a request. It does not use http.ServeMux, which would
// redirect a path with ".." in it before the file routes could refuse it.
//
// Requests that name an unknown host, and browser requests from another
// site that would change something, are refused (403) first.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := s.checkHost(r.Host); err != nil {
		fail(w, err)
		return
	}
	if err := s.csrf.Check(r); err != nil {
		fail(w, fmt.Errorf("%w: %v", ErrCrossOrigin, err))
		return
	}
	p := r.URL.Path
	switch {
	case p == "/api/files" || p == "/api/files/":
		s.only(w, r, http.MethodGet, s.getTree)
	case strings.HasPrefix(p, "/api/files/"):
		s.file(w, r, strings.TrimPrefix(p, "/api/files"))
	case p == "/api/program":
		s.program(w, r)
	case p == "/api/config":
		s.only(w, r, http.MethodGet, s.getConfig)
	case p == "/api/graph":
		s.only(w, r, http.MethodPost, s.postGraph)
	case p == "/api/log":
		s.only(w, r, http.MethodGet, s.getLog)
	case p == "/api/log/stream":
		s.only(w, r, http.MethodGet, s.streamLog)
	case strings.HasPrefix(p, "/api/") || p == "/api":
		fail(w, fmt.Errorf("%w: %s", ErrNotFound, p))
	default:
		serveAsset(w, r)
	}
}

// checkHost accepts a Host header naming localhost, an IP address or one of
// Options.Hosts, with or without a port.
func (s *Server) checkHost(hostport string) error {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") || net.ParseIP(host) != nil || slices.Contains(s.opts.Hosts, host) {
		return nil
	}
	return fmt.Errorf("%w: %q (see --gui-listen)", ErrHost, hostport)
}

func (s *Server) only(w http.ResponseWriter, r *http.Request, method string, h http.HandlerFunc) {
	if r.Method != method {
		w.Header().Set("Allow", method)
		fail(w, fmt.Errorf("%w: %s %s", ErrMethod, r.Method, r.URL.Path))
		return
	}
	h(w, r)
}

// reply writes v as JSON with status.
func reply(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"gui: cannot encode the answer"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// noContent answers 204 (which has no body, so no Content-Type of its own:
// the JSON type is still said, as on every API answer).
func noContent(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusNoContent)
}

// errorBody is an error answer: the message and, for a script error, where
// it is.
type errorBody struct {
	Error  string `json:"error"`
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
}

// fail answers err with the status its sentinel maps to.
func fail(w http.ResponseWriter, err error) {
	reply(w, statusOf(err), errorBody{Error: err.Error()})
}

func statusOf(err error) int {
	switch {
	case errors.Is(err, ErrForbidden), errors.Is(err, ErrCrossOrigin), errors.Is(err, ErrHost):
		return http.StatusForbidden
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, ErrIsDirectory):
		return http.StatusConflict
	case errors.Is(err, ErrMethod):
		return http.StatusMethodNotAllowed
	case errors.Is(err, ErrBadRequest):
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// stopContext bounds how long a replaced or stopped program may drain.
func (s *Server) stopContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), s.opts.Drain)
}
