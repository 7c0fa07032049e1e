package script

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/dop251/goja"
	"github.com/sluice-go/sluice/pipeline"
)

// Options configure Load. The zero value works.
type Options struct {
	// ListenHost is the host that listen(port) with a bare port number (or
	// a string of digits) listens on: "" means every interface (":8080"),
	// "127.0.0.1" keeps tests on loopback. An address given as "host:port"
	// is used as is.
	ListenHost string
	// Logger receives console.log output and script errors logged while
	// loading. nil means slog.Default(); on a worker, callbacks log to the
	// worker's logger unless Logger is set.
	Logger *slog.Logger
	// Modules finds the modules named by use(module, …) and
	// new Session(module, …). nil loads them as script files, relative to
	// the directory of the script that names them, each file once per Load
	// (with these same options), so that modules may use each other.
	Modules func(name string) (*pipeline.Module, error)
	// Timeout is the time budget of each callback call, and of the
	// script's top-level code: past it the code is interrupted, and a
	// callback's stream ends with a runtime-error SessionEnd naming the
	// script position (an *Error wrapping ErrTimeout), while the worker goes
	// on. 0 means DefaultTimeout (1s); a negative value means no budget.
	Timeout time.Duration
	// MemoryLimit interrupts a callback (ErrMemoryLimit) that has run for a
	// while (a tick of the watchdog: a quarter of Timeout, at most 50 ms)
	// with the process's heap over this many bytes. 0 means the Go memory
	// limit when one is set (GOMEMLIMIT, debug.SetMemoryLimit), otherwise
	// none; a negative value means none. Code that allocates a huge amount
	// in one step (a string repeated a billion times) cannot be interrupted
	// before that step ends.
	MemoryLimit int64
}

// program is one loaded script: its compiled code, shared read-only by every
// runtime, and what its definition run declared. Each worker that runs one
// of its callbacks makes its own runtime from it (see runtimeOf).
type program struct {
	name     string // the file name as given; positions
	filename string // __filename: the path relative to the root, as Pipy gives it
	lim      limits // from opts
	dir      string // the root: relative paths are relative to it (host.BaseDir)
	code     *goja.Program
	opts     Options
	logger   *slog.Logger
	module   *pipeline.Module
	// modules resolves module names at run time (Session): unlike
	// module.Modules, which runs while modules are built, it may be called
	// from any worker at any time.
	modules func(name string) (*pipeline.Module, error)

	// Recorded by the definition run; worker runs must match them.
	varNames []string
	sig      []string                     // every builder method called, in order
	nfuncs   int                          // callbacks registered
	refs     []ref                        // pipelines named by filters
	sections map[*pipeline.Pipeline]Error // where each listen, pipeline and task was opened

	// runtimes holds each worker's runtime (*pipeline.Worker → *jsRuntime).
	// The program keeps them, not the workers, so that a program replaced
	// by a reload is collected with its runtimes once its streams are gone.
	runtimes sync.Map
}

// Load reads the script file at path, runs its top-level code once to
// collect its configuration, and returns the module it declares, built (so
// every pipeline name it refers to is resolved). Each worker that runs the
// module's callbacks re-runs the same compiled code in a JavaScript runtime
// of its own. Errors name the file, line and column (see Error).
//
// Load is safe for concurrent use (each call loads its own copy); the module
// it returns is read-only and may run on any number of workers at once.
func Load(path string, opts Options) (*pipeline.Module, error) {
	l := newLoader(opts)
	l.loadMu.Lock()
	defer l.loadMu.Unlock()
	return l.module(path)
}

// LoadSource is Load for a script given as a string; name is its file name
// in positions and __filename, and its directory is the base for relative
// paths.
func LoadSource(name, src string, opts Options) (*pipeline.Module, error) {
	l := newLoader(opts)
	l.loadMu.Lock()
	defer l.loadMu.Unlock()
	p, err := l.define(name, src)
	if err != nil {
		return nil, err
	}
	if err := p.build(); err != nil {
		return nil, err
	}
	return p.module, nil
}

// loader loads the modules of one Load call: the main script and, unless
// Options.Modules is set, the files it uses, each once.
type loader struct {
	opts Options
	// root is the directory of the first script loaded (the main one). As
	// in Pipy, which runs in that folder, every relative path is relative
	// to it: module names in use() and new Session(), files read by scripts.
	root string
	// loadMu serialises loads: the first Load, and modules first named by a
	// Session at run time. Loads nested in a module's Build (modules that
	// use each other) run under the lock their outermost load took.
	loadMu sync.Mutex
	mu     sync.Mutex
	mods   map[string]*pipeline.Module // by cleaned path
}

func newLoader(opts Options) *loader {
	return &loader{opts: opts, mods: map[string]*pipeline.Module{}}
}

// module loads and builds the script file at path, or returns the one
// already loaded. A module that is being built (modules that use each other)
// is returned unbuilt: its own Build completes it.
func (l *loader) module(path string) (*pipeline.Module, error) {
	key := filepath.Clean(path)
	if l.root == "" {
		l.root = filepath.Dir(key)
	}
	l.mu.Lock()
	m := l.mods[key]
	l.mu.Unlock()
	if m != nil {
		return m, nil
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("script: %w", err)
	}
	p, err := l.define(path, string(src))
	if err != nil {
		return nil, err
	}
	m = p.module
	l.mu.Lock()
	if old := l.mods[key]; old != nil {
		l.mu.Unlock()
		return old, nil
	}
	l.mods[key] = m
	l.mu.Unlock()
	if err := p.build(); err != nil {
		l.mu.Lock()
		delete(l.mods, key)
		l.mu.Unlock()
		return nil, err
	}
	return m, nil
}

// define compiles src and runs its definition.
func (l *loader) define(name, src string) (*program, error) {
	code, err := goja.Compile(name, src, false)
	if err != nil {
		return nil, syntaxError(name, err)
	}
	if l.root == "" {
		l.root = filepath.Dir(name)
	}
	// __filename is the path from the root with a leading slash, as Pipy
	// gives it ("/main.js", "/modules/config.js").
	p := &program{name: name, filename: "/" + filepath.Base(name), dir: l.root, code: code, opts: l.opts, lim: limitsOf(l.opts)}
	if rel, err := filepath.Rel(l.root, name); err == nil && filepath.IsLocal(rel) {
		p.filename = "/" + filepath.ToSlash(rel)
	}
	p.logger = l.opts.Logger
	if p.logger == nil {
		p.logger = slog.Default()
	}
	p.module = pipeline.NewModule(name)
	p.module.Modules = l.resolver(p)
	p.modules = p.module.Modules
	if l.opts.Modules == nil {
		p.modules = func(name string) (*pipeline.Module, error) {
			l.loadMu.Lock()
			defer l.loadMu.Unlock()
			return p.module.Modules(name)
		}
	}
	if err := p.defineRun(); err != nil {
		return nil, err
	}
	return p, nil
}

// resolver returns the Modules function of p's module.
func (l *loader) resolver(p *program) func(string) (*pipeline.Module, error) {
	if l.opts.Modules != nil {
		return l.opts.Modules
	}
	return func(name string) (*pipeline.Module, error) {
		path := name
		if rooted := filepath.Join(l.root, name); filepath.IsAbs(name) && rooted != name {
			// Pipy's module names start with a slash ("/modules/a.js", as
			// __filename gives them) and are relative to the root.
			if _, err := os.Stat(rooted); err == nil {
				path = rooted
			}
		}
		if !filepath.IsAbs(path) {
			path = filepath.Join(l.root, path)
			// Not in the root: relative to the script that names it, as
			// sluice used to resolve nested modules.
			if _, err := os.Stat(path); err != nil {
				if own := filepath.Join(filepath.Dir(p.name), name); own != path {
					if _, err := os.Stat(own); err == nil {
						path = own
					}
				}
			}
		}
		m, err := l.module(path)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("%w %q: %w", pipeline.ErrUnknownModule, name, err)
			}
			return nil, err
		}
		return m, nil
	}
}

// defineRun runs the top-level code in a runtime of its own, which builds
// the module's pipelines. The runtime is dropped afterwards.
func (p *program) defineRun() error {
	rt, err := newRuntime(p, nil)
	if err != nil {
		return err
	}
	if err := rt.runTop(); err != nil {
		return err
	}
	if !rt.configured {
		return &Error{File: p.name, Message: ErrNoConfiguration.Error(), Err: ErrNoConfiguration}
	}
	p.varNames = rt.varNames
	p.sig = rt.sig
	p.nfuncs = len(rt.fns)
	p.refs = rt.refs
	p.sections = rt.sections
	return nil
}

// ref is a pipeline named by a filter method (link, fork, demux, mux, use),
// with the position of the call, checked before the module is built so that
// an unknown name is reported where it is written.
type ref struct {
	method, module, name string
	from                 *pipeline.Pipeline // the pipeline the filter is added to
	at                   Error              // File, Line, Column
}

// build checks the module's pipeline references, then builds the module.
func (p *program) build() error {
	for _, r := range p.refs {
		m := p.module
		if r.module != "" && r.module != m.Name {
			other, err := m.Modules(r.module)
			if err == nil && other == nil {
				err = fmt.Errorf("%w %q", pipeline.ErrUnknownModule, r.module)
			}
			if err != nil {
				return r.fail(err.Error(), err)
			}
			m = other
		}
		if m.Find(r.name) == nil {
			err := fmt.Errorf("%w %q in %s", pipeline.ErrUnknownPipeline, r.name, m.Name)
			return r.fail(fmt.Sprintf("unknown pipeline %q in %s", r.name, m.Name), err)
		}
	}
	if err := p.module.Build(); err != nil {
		return p.locate(err)
	}
	return nil
}

// locate gives an error of the module's build a script position: a listen
// conflict the position of the second listen(), a cycle that of the filter
// that closes it: "main.js:4:3: link: recursive pipeline: a → b → a".
func (p *program) locate(err error) error {
	var le *pipeline.ListenConflictError
	if errors.As(err, &le) {
		at, ok := p.sections[le.Second]
		if !ok {
			return err
		}
		msg := "listen: " + le.Error()
		if first, ok := p.sections[le.First]; ok {
			msg += " (first at " + first.Pos() + ")"
		}
		at.Message, at.Err = msg, err
		return &at
	}
	var ce *pipeline.CycleError
	if !errors.As(err, &ce) {
		return err
	}
	// The edge that closes the cycle, or else the first one written in
	// this script (a cycle may cross modules).
	n := len(ce.Path) - 1
	for k := range n {
		i := (n - 1 + k) % n
		from, to := ce.Path[i], ce.Path[i+1]
		for _, r := range p.refs {
			if r.from == from && r.name == to.Name {
				return r.fail(ce.Error(), err)
			}
		}
	}
	return err
}

func (r *ref) fail(msg string, err error) error {
	e := r.at
	e.Message = r.method + ": " + msg
	e.Err = err
	return &e
}
