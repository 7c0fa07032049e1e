package pipeline

import (
	"fmt"
	"strings"
)

// Linker is implemented by filters that start streams of other pipelines
// (link, use, fork, demux, mux): Targets lists those pipelines, once the
// filter is bound. Module.Build follows these links (and the names a Binder
// resolves) to reject pipelines that start each other in a cycle.
type Linker interface {
	Targets() []*Pipeline
}

// CycleError reports pipelines that start each other in a cycle: Path runs
// from a pipeline back to itself (a → b → a). Its text is "recursive
// pipeline: a → b → a"; it wraps ErrRecursivePipeline.
//
// Such a cycle is rejected whatever conditions guard it, as Pipy rejects it
// at load: the filters that name pipelines start their sub-streams on the
// stream's first event (or message) and feed it on the same call stack, so
// each turn of the cycle nests deeper, and an unconditional cycle overflows
// the stack on the first connection. A pipeline referred to by several
// others (a diamond) is not a cycle.
type CycleError struct {
	// Path is the cycle, its first pipeline repeated at the end.
	Path []*Pipeline
	// Filter is the index, in Path[len(Path)-2], of the filter that closes
	// the cycle by naming Path[len(Path)-1].
	Filter int
}

// Error returns "recursive pipeline: a → b → a".
func (e *CycleError) Error() string {
	return "recursive pipeline: " + e.Names()
}

// Names returns the cycle as "a → b → a", each pipeline by name (prefixed
// with its module's name when the cycle crosses modules).
func (e *CycleError) Names() string {
	cross := false
	for _, p := range e.Path {
		if p.Module != e.Path[0].Module {
			cross = true
		}
	}
	names := make([]string, len(e.Path))
	for i, p := range e.Path {
		names[i] = p.Name
		if cross && p.Module != nil {
			names[i] = p.Module.Name + ":" + p.Name
		}
	}
	return strings.Join(names, " → ")
}

// Unwrap returns ErrRecursivePipeline.
func (e *CycleError) Unwrap() error { return ErrRecursivePipeline }

// link is one edge of the pipeline graph: filter number i of a pipeline
// starts streams of p.
type link struct {
	filter int
	p      *Pipeline
}

// links returns what p's filters start streams of: a Linker's targets, and
// the names a Binder resolved during m's build.
func links(p *Pipeline) []link {
	var out []link
	for i, f := range p.Filters {
		seen := map[*Pipeline]bool{}
		if l, ok := f.(Linker); ok {
			for _, t := range l.Targets() {
				if t != nil && !seen[t] {
					seen[t] = true
					out = append(out, link{i, t})
				}
			}
		}
		if p.Module != nil {
			for _, t := range p.Module.resolved[filterAt{p, i}] {
				if !seen[t] {
					seen[t] = true
					out = append(out, link{i, t})
				}
			}
		}
	}
	return out
}

// checkCycles returns a *CycleError for the first cycle reachable from m's
// pipelines (across modules), or nil. A depth-first walk: a pipeline met
// again while it is still on the path closes a cycle; one already finished
// is not walked twice, so shared pipelines cost nothing.
func (m *Module) checkCycles() error {
	const (
		onPath = 1
		done   = 2
	)
	state := map[*Pipeline]int{}
	var path []*Pipeline
	var walk func(p *Pipeline) error
	walk = func(p *Pipeline) error {
		state[p] = onPath
		path = append(path, p)
		for _, l := range links(p) {
			switch state[l.p] {
			case onPath:
				start := 0
				for i, q := range path {
					if q == l.p {
						start = i
					}
				}
				cyc := append(append([]*Pipeline(nil), path[start:]...), l.p)
				return &CycleError{Path: cyc, Filter: l.filter}
			case done:
				continue
			}
			if err := walk(l.p); err != nil {
				return err
			}
		}
		path = path[:len(path)-1]
		state[p] = done
		return nil
	}
	for _, p := range m.Pipelines {
		if state[p] == 0 {
			if err := walk(p); err != nil {
				return err
			}
		}
	}
	return nil
}

// recordingResolver resolves as r does and notes what each filter resolved.
type recordingResolver struct {
	r   Resolver
	m   *Module
	cur filterAt
}

// filterAt names filter i of pipeline p.
type filterAt struct {
	p *Pipeline
	i int
}

func (rr *recordingResolver) Pipeline(module, name string) (*Pipeline, error) {
	p, err := rr.r.Pipeline(module, name)
	if err == nil && p != nil {
		if rr.m.resolved == nil {
			rr.m.resolved = map[filterAt][]*Pipeline{}
		}
		rr.m.resolved[rr.cur] = append(rr.m.resolved[rr.cur], p)
	}
	return p, err
}

// cycleError wraps a cycle found while building m, naming the filter that
// closes it.
func cycleError(m *Module, err *CycleError) error {
	from := err.Path[len(err.Path)-2]
	return fmt.Errorf("pipeline: %s: %s, filter %d (%s): %w", m.Name, from, err.Filter+1, from.Filters[err.Filter].Info().Name, err)
}
