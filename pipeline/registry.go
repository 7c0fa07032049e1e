package pipeline

import (
	"slices"
	"strings"
)

// Registry lists filters by name, for `--list-filters`, `--help-filters` and
// the script bindings. It is an explicit table, filled by whoever assembles
// the program; nothing registers itself. A Registry is not safe for
// concurrent writes; read it freely once filled.
type Registry struct {
	infos map[string]Info
}

// NewRegistry returns a registry holding infos.
func NewRegistry(infos ...Info) *Registry {
	r := &Registry{infos: map[string]Info{}}
	r.Add(infos...)
	return r
}

// Add adds or replaces filters' infos.
func (r *Registry) Add(infos ...Info) {
	for _, i := range infos {
		r.infos[i.Name] = i
	}
}

// Lookup returns the info of the filter called name.
func (r *Registry) Lookup(name string) (Info, bool) {
	i, ok := r.infos[name]
	return i, ok
}

// List returns every info, sorted by name.
func (r *Registry) List() []Info {
	out := make([]Info, 0, len(r.infos))
	for _, i := range r.infos {
		out = append(out, i)
	}
	slices.SortFunc(out, func(a, b Info) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Len returns how many filters are listed.
func (r *Registry) Len() int { return len(r.infos) }
