package pipeline

import (
	"errors"
	"fmt"
	"time"
)

// Module is a set of named, listen and task pipelines: one script file, or a
// program assembled in Go. Pipelines refer to each other by name; Build
// resolves those names and fails on one that does not exist, so a broken
// reference is found when the module is loaded. A Module is built once and
// is read-only afterwards.
type Module struct {
	// Name identifies the module (a script's file name) in logs and errors.
	Name string
	// Pipelines are the module's pipelines, in the order they were added.
	Pipelines []*Pipeline
	// Modules finds other modules by name for filters that reach across
	// modules (use); nil means there are none.
	Modules func(name string) (*Module, error)

	built    bool
	resolved map[filterAt][]*Pipeline // what each Binder resolved, for the cycle check
}

// NewModule returns an empty module.
func NewModule(name string) *Module { return &Module{Name: name} }

func (m *Module) add(p *Pipeline) *Pipeline {
	p.Module = m
	m.Pipelines = append(m.Pipelines, p)
	return p
}

// Pipeline adds a named pipeline and returns it.
func (m *Module) Pipeline(name string, filters ...Filter) *Pipeline {
	return m.add(&Pipeline{Name: name, Kind: Named, Filters: filters})
}

// Listen adds a pipeline started for each connection accepted on addr
// ("127.0.0.1:8080", ":0").
func (m *Module) Listen(addr string, opts ListenOptions, filters ...Filter) *Pipeline {
	return m.add(&Pipeline{Name: addr, Kind: Listen, Addr: addr, ListenOptions: opts, Filters: filters})
}

// Task adds a pipeline started at every interval, or once at start when
// interval is zero.
func (m *Module) Task(interval time.Duration, filters ...Filter) *Pipeline {
	name := "task"
	if interval > 0 {
		name = "task " + interval.String()
	}
	return m.add(&Pipeline{Name: name, Kind: Task, Interval: interval, Filters: filters})
}

// Find returns the named pipeline called name, or nil.
func (m *Module) Find(name string) *Pipeline {
	for _, p := range m.Pipelines {
		if p.Kind == Named && p.Name == name {
			return p
		}
	}
	return nil
}

// moduleResolver is the Resolver of the module being built.
type moduleResolver struct{ m *Module }

func (r moduleResolver) Pipeline(module, name string) (*Pipeline, error) {
	m := r.m
	if module != "" && module != m.Name {
		if m.Modules == nil {
			return nil, fmt.Errorf("%w %q", ErrUnknownModule, module)
		}
		other, err := m.Modules(module)
		if err != nil {
			return nil, err
		}
		m = other
	}
	if p := m.Find(name); p != nil {
		return p, nil
	}
	return nil, fmt.Errorf("%w %q in %s", ErrUnknownPipeline, name, m.Name)
}

// Build binds every filter that refers to pipelines by name (see Binder),
// then rejects two listen pipelines on one port (a *ListenConflictError)
// and pipelines that start each other in a cycle (a *CycleError, see
// Linker). The error names the module, the pipeline and the filter.
func (m *Module) Build() error {
	if m.built {
		return nil
	}
	m.resolved = nil
	r := &recordingResolver{r: moduleResolver{m}, m: m}
	for _, p := range m.Pipelines {
		for i, f := range p.Filters {
			b, ok := f.(Binder)
			if !ok {
				continue
			}
			r.cur = filterAt{p, i}
			if err := b.Bind(r); err != nil {
				return fmt.Errorf("pipeline: %s: %s, filter %d (%s): %w", m.Name, p, i+1, f.Info().Name, err)
			}
		}
	}
	if err := m.checkListens(); err != nil {
		return fmt.Errorf("pipeline: %s: %w", m.Name, err)
	}
	if err := m.checkCycles(); err != nil {
		var ce *CycleError
		if errors.As(err, &ce) {
			return cycleError(m, ce)
		}
		return err
	}
	m.built = true
	return nil
}

// Built reports whether Build has succeeded.
func (m *Module) Built() bool { return m.built }
