package pipeline

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
)

// Program is a started module: a server on each of its listen pipelines'
// addresses and its tasks running, on a group of workers.
type Program struct {
	Module *Module
	Group  *Group

	mu       sync.Mutex
	servers  map[string]*programServer // by listen address
	order    []string
	stops    []func()
	ownGroup bool
	retired  []*Module // replaced by Reload, kept while their streams run
}

type programServer struct {
	srv  *Server
	ln   net.Listener
	done chan error
}

// StartOptions configure Start. The zero value works.
type StartOptions struct {
	// Workers is how many workers to run when the program makes its own
	// group; 0 means GOMAXPROCS.
	Workers int
	// Group runs the program; nil makes a group of Workers workers that is
	// closed with the program.
	Group *Group
	// Worker options for a group the program makes.
	WorkerOptions WorkerOptions
}

// Start builds m if needed, listens on the address of every listen pipeline
// and starts every task. On error nothing is left running. A pipeline the
// module's pipelines start that refers to another by a name never resolved
// (a pipeline given directly, from outside the module) fails it too, with
// an error wrapping ErrUnbound (see CheckBound).
func Start(m *Module, opts StartOptions) (*Program, error) {
	if err := buildBound(m); err != nil {
		return nil, err
	}
	pr := &Program{Module: m, Group: opts.Group, servers: map[string]*programServer{}}
	if pr.Group == nil {
		pr.Group = NewGroup(opts.Workers, opts.WorkerOptions)
		pr.ownGroup = true
	}
	if err := pr.startModule(m); err != nil {
		pr.Close()
		return nil, err
	}
	return pr, nil
}

func (pr *Program) startModule(m *Module) error {
	for _, p := range m.Pipelines {
		switch p.Kind {
		case Listen:
			if _, dup := pr.servers[p.Addr]; dup {
				return fmt.Errorf("pipeline: %s: %s: address listened on twice", m.Name, p)
			}
			ln, err := listen(p.Addr, p.ListenOptions.ReusePort)
			if err != nil {
				return fmt.Errorf("pipeline: %s: %s: %w", m.Name, p, err)
			}
			ps := &programServer{srv: &Server{Pipeline: p, Group: pr.Group, TLS: p.ListenOptions.TLS}, ln: ln, done: make(chan error, 1)}
			pr.servers[p.Addr] = ps
			pr.order = append(pr.order, p.Addr)
			go func() { ps.done <- ps.srv.Serve(ln) }()
		case Task:
			pr.stops = append(pr.stops, StartTask(p, pr.Group.Next()))
		}
	}
	return nil
}

// Addr returns the address actually listened on for the listen pipeline
// declared with addr (useful with port 0), or nil.
func (pr *Program) Addr(addr string) net.Addr {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if ps := pr.servers[addr]; ps != nil {
		return ps.ln.Addr()
	}
	return nil
}

// Addrs returns the addresses listened on, in declaration order.
func (pr *Program) Addrs() []net.Addr {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	var out []net.Addr
	for _, a := range pr.order {
		out = append(out, pr.servers[a].ln.Addr())
	}
	return out
}

// Reload switches to module m: listen pipelines on the same address keep
// their listener and serve new connections with m's pipeline while open
// connections finish on the old one; addresses only m has are listened on;
// addresses m no longer has are shut down; tasks are restarted from m.
func (pr *Program) Reload(ctx context.Context, m *Module) error {
	if err := buildBound(m); err != nil {
		return err
	}
	pr.mu.Lock()
	defer pr.mu.Unlock()
	keep := map[string]bool{}
	var fresh []*Pipeline
	for _, p := range m.Pipelines {
		if p.Kind != Listen {
			continue
		}
		if ps := pr.servers[p.Addr]; ps != nil {
			ps.srv.SetPipeline(p)
			keep[p.Addr] = true
		} else {
			fresh = append(fresh, p)
		}
	}
	var order []string
	var errs []error
	for _, a := range pr.order {
		if keep[a] {
			order = append(order, a)
			continue
		}
		ps := pr.servers[a]
		delete(pr.servers, a)
		errs = append(errs, ps.srv.Shutdown(ctx))
	}
	pr.order = order
	for _, stop := range pr.stops {
		stop()
	}
	pr.stops = nil
	tmp := &Module{Name: m.Name, Pipelines: fresh}
	for _, p := range m.Pipelines {
		if p.Kind == Task {
			tmp.Pipelines = append(tmp.Pipelines, p)
		}
	}
	errs = append(errs, pr.startModule(tmp))
	if pr.Module != m {
		pr.retired = append(pr.pruned(), pr.Module)
	}
	pr.Module = m
	return errors.Join(errs...)
}

// Stale returns the modules that reloads replaced and that still have
// streams running (connections finishing on an old configuration), oldest
// first. Modules whose streams have all ended are forgotten.
func (pr *Program) Stale() []*Module {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	pr.retired = pr.pruned()
	return slices.Clone(pr.retired)
}

// pruned returns the retired modules that still run streams (pr.mu held).
func (pr *Program) pruned() []*Module {
	live := pr.retired[:0]
	for _, m := range pr.retired {
		if m.active() {
			live = append(live, m)
		}
	}
	clear(pr.retired[len(live):])
	return live
}

// active reports whether a stream of one of m's pipelines is running.
func (m *Module) active() bool {
	for _, p := range m.Pipelines {
		if p.Active() > 0 {
			return true
		}
	}
	return false
}

// Shutdown stops accepting and the tasks, waits for open connections to
// finish until ctx is done (then closes them), and stops the workers the
// program made.
func (pr *Program) Shutdown(ctx context.Context) error {
	return pr.stop(func(s *Server) error { return s.Shutdown(ctx) })
}

// Close closes every listener and connection now, stops the tasks and the
// workers the program made.
func (pr *Program) Close() error {
	return pr.stop(func(s *Server) error { return s.Close() })
}

func (pr *Program) stop(how func(*Server) error) error {
	pr.mu.Lock()
	servers := pr.servers
	pr.servers = map[string]*programServer{}
	pr.order = nil
	stops := pr.stops
	pr.stops = nil
	own := pr.ownGroup
	pr.ownGroup = false
	pr.mu.Unlock()
	for _, stop := range stops {
		stop()
	}
	var errs []error
	for _, ps := range servers {
		if err := how(ps.srv); err != nil {
			errs = append(errs, err)
		}
		if err := <-ps.done; err != nil && !errors.Is(err, ErrServerClosed) {
			errs = append(errs, err)
		}
	}
	if own {
		pr.Group.Close()
	}
	return errors.Join(errs...)
}

// buildBound builds m, then checks that every pipeline it runs or starts,
// those given directly from outside it included, has its names resolved.
func buildBound(m *Module) error {
	if err := m.Build(); err != nil {
		return err
	}
	for _, p := range m.Pipelines {
		if err := CheckBound(p); err != nil {
			return fmt.Errorf("pipeline: %s: %w", m.Name, err)
		}
	}
	return nil
}
