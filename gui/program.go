package gui

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/script"
)

// maxScriptSize bounds a script posted to /api/graph, and a program path.
const maxScriptSize = 4 << 20

// Run loads the script at API path p and starts it, in place of the running
// program if there is one: ports both listen on keep their listeners, ports
// only the old one listened on are closed. A script that does not load
// leaves the running program as it is; the error wraps ErrBadRequest.
func (s *Server) Run(p string) error {
	rel, err := s.rel(p)
	if err != nil {
		return err
	}
	abs := filepath.Join(s.opts.Dir, rel)
	m, err := s.opts.Load(abs)
	if err != nil {
		return &loadError{err: err, srv: s}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.prog == nil {
		pr, err := s.opts.Start(m)
		if err != nil {
			return &loadError{err: err, srv: s}
		}
		s.prog = pr
	} else {
		ctx, cancel := s.stopContext()
		defer cancel()
		if err := s.prog.Reload(ctx, m); err != nil {
			// Reload has switched as far as it could (a port that cannot be
			// listened on is missing): say so, and keep what runs.
			s.running = apiPath(rel)
			return &loadError{err: err, srv: s}
		}
	}
	s.running = apiPath(rel)
	s.opts.Logger.Info("gui: started", "script", apiPath(rel))
	return nil
}

// Running returns the running program's API path, "" when none runs.
func (s *Server) Running() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.running
}

// programStatus is the answer of /api/program: the running script's path
// ("" when none runs) and the addresses it listens on.
type programStatus struct {
	Path  string   `json:"path"`
	Addrs []string `json:"addrs"`
}

func (s *Server) status() programStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := programStatus{Path: s.running, Addrs: []string{}}
	if s.prog != nil {
		for _, a := range s.prog.Addrs() {
			st.Addrs = append(st.Addrs, a.String())
		}
	}
	return st
}

// stop stops the running program, if any.
func (s *Server) stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.prog == nil {
		return nil
	}
	ctx, cancel := s.stopContext()
	defer cancel()
	err := s.prog.Shutdown(ctx)
	s.opts.Logger.Info("gui: stopped", "script", s.running)
	s.prog, s.running = nil, ""
	if errors.Is(err, pipeline.ErrConnsCut) {
		return nil
	}
	return err
}

// loadError is a script that did not load or start; it wraps ErrBadRequest
// and the error itself.
type loadError struct {
	err error
	srv *Server
}

func (e *loadError) Error() string   { return e.srv.relative(e.err.Error()) }
func (e *loadError) Unwrap() []error { return []error{ErrBadRequest, e.err} }

// relative writes the served folder's absolute paths in msg as API paths.
func (s *Server) relative(msg string) string {
	return strings.ReplaceAll(msg, s.opts.Dir+string(filepath.Separator), "/")
}

// body returns the answer for a script error: its message, and its file,
// line and column when it has them.
func (e *loadError) body() errorBody {
	b := errorBody{Error: e.Error()}
	var se *script.Error
	if errors.As(e.err, &se) && se.Line > 0 {
		b.File, b.Line, b.Column = se.File, se.Line, se.Column
		if rel, err := filepath.Rel(e.srv.opts.Dir, se.File); err == nil && filepath.IsAbs(se.File) && inside(e.srv.opts.Dir, se.File) {
			b.File = apiPath(rel)
		}
	}
	return b
}

// failLoad answers a load error with its position, other errors as fail.
func failLoad(w http.ResponseWriter, err error) {
	var le *loadError
	if errors.As(err, &le) {
		reply(w, http.StatusBadRequest, le.body())
		return
	}
	fail(w, err)
}

func (s *Server) program(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		reply(w, http.StatusOK, s.status())
	case http.MethodPost:
		p, err := programPath(r)
		if err != nil {
			fail(w, err)
			return
		}
		if err := s.Run(p); err != nil {
			failLoad(w, err)
			return
		}
		reply(w, http.StatusCreated, s.status())
	case http.MethodDelete:
		if err := s.stop(); err != nil {
			fail(w, fmt.Errorf("gui: stop: %w", err))
			return
		}
		noContent(w)
	default:
		w.Header().Set("Allow", "GET, POST, DELETE")
		fail(w, fmt.Errorf("%w: %s %s", ErrMethod, r.Method, r.URL.Path))
	}
}

// programPath reads the path a POST /api/program names: {"path": "/x.js"},
// or the path as plain text (as Pipy's GUI sends it).
func programPath(r *http.Request) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxScriptSize))
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	p := strings.TrimSpace(string(b))
	if strings.HasPrefix(p, "{") {
		var v struct {
			Path string `json:"path"`
		}
		if err := json.Unmarshal(b, &v); err != nil {
			return "", fmt.Errorf("%w: %v", ErrBadRequest, err)
		}
		p = v.Path
	}
	if p == "" {
		return "", fmt.Errorf("%w: no script path given", ErrBadRequest)
	}
	return p, nil
}

// graphBody is the answer of /api/config and /api/graph.
type graphBody struct {
	// Path is the script's API path.
	Path string `json:"path"`
	// Graph is one tree per root pipeline (never null).
	Graph []*pipeline.GraphNode `json:"graph"`
	// Problem is an error that still let the graph be drawn (a recursive
	// or an unknown pipeline, drawn as a marked node), with its position.
	Problem *errorBody `json:"problem,omitempty"`
}

func (s *Server) getConfig(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	g := graphBody{Path: s.running, Graph: []*pipeline.GraphNode{}}
	if s.prog != nil {
		g.Graph = s.prog.Module.GraphTree()
	}
	s.mu.Unlock()
	reply(w, http.StatusOK, g)
}

func (s *Server) postGraph(w http.ResponseWriter, r *http.Request) {
	if s.opts.Check == nil {
		fail(w, fmt.Errorf("%w: no graph without running", ErrNotFound))
		return
	}
	p := r.URL.Query().Get("path")
	if p == "" {
		p = "/untitled.js"
	}
	rel, err := s.rel(p)
	if err != nil {
		fail(w, err)
		return
	}
	src, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxScriptSize))
	if err != nil {
		fail(w, fmt.Errorf("%w: %v", ErrBadRequest, err))
		return
	}
	abs := filepath.Join(s.opts.Dir, rel)
	g := graphBody{Path: apiPath(rel), Graph: []*pipeline.GraphNode{}}
	text := string(src)
	missing := map[string]bool{}
	var m *pipeline.Module
	for {
		m, err = s.opts.Check(abs, text)
		if err == nil {
			break
		}
		if g.Problem == nil {
			b := (&loadError{err: err, srv: s}).body()
			g.Problem = &b
		}
		// A name no pipeline has: draw it as a marked stand-in.
		if patched, name, ok := stubMissing(abs, text, err); ok && len(missing) < maxStubs {
			missing[name] = true
			text = patched
			continue
		}
		// A cycle is found once every name is bound: draw the module it
		// is in, with the recursive pipeline marked.
		var ce *pipeline.CycleError
		if !errors.As(err, &ce) {
			reply(w, http.StatusBadRequest, *g.Problem)
			return
		}
		m = ce.Path[0].Module
		for _, q := range ce.Path {
			if q.Module != nil && q.Module.Name == abs {
				m = q.Module
			}
		}
		break
	}
	g.Graph = append(g.Graph, m.GraphTree()...)
	markMissing(g.Graph, missing)
	reply(w, http.StatusOK, g)
}
