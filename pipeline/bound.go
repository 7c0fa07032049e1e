package pipeline

import "fmt"

// CheckBound returns an error when a filter of p, or of a pipeline p starts
// (Linker), refers to a pipeline by a name that was never resolved: p is
// not in a module, or its module was not built (Module.Build resolves the
// names, and Start builds). The error wraps ErrUnbound and names the
// pipeline, the filter and the name. Server.Serve, Server.ServeConn and
// Serve check their pipeline with it, so that such a pipeline fails when it
// is served, not at every request.
func CheckBound(p *Pipeline) error {
	return checkBound(p, map[*Pipeline]bool{})
}

func checkBound(p *Pipeline, seen map[*Pipeline]bool) error {
	if p == nil || seen[p] {
		return nil
	}
	seen[p] = true
	for i, f := range p.Filters {
		if b, ok := f.(Binder); ok {
			// A bound reference asks nothing of the resolver; an unbound one
			// asks for its name and gets the error, binding nothing.
			if err := b.Bind(unbound{}); err != nil {
				return fmt.Errorf("pipeline: %s, filter %d (%s): %w", p, i+1, f.Info().Name, err)
			}
		}
		if l, ok := f.(Linker); ok {
			for _, t := range l.Targets() {
				if err := checkBound(t, seen); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// unbound is the Resolver of CheckBound: it resolves nothing.
type unbound struct{}

func (unbound) Pipeline(module, name string) (*Pipeline, error) {
	if module != "" {
		name = module + ":" + name
	}
	return nil, fmt.Errorf("%w %q", ErrUnbound, name)
}
