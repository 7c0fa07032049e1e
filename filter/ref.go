package filter

import (
	"fmt"

	"github.com/sluice-go/sluice/pipeline"
)

// Ref names a pipeline that a filter starts streams of (link, fork, demux,
// mux, use). Set Pipeline to use one directly, or Name (and Module, for
// another module's) to have it resolved when the module is built.
type Ref struct {
	Module   string
	Name     string
	Pipeline *pipeline.Pipeline
}

// To returns a Ref to the pipeline called name in the same module.
func To(name string) Ref { return Ref{Name: name} }

// ToPipeline returns a Ref to p itself.
func ToPipeline(p *pipeline.Pipeline) Ref { return Ref{Pipeline: p} }

// bind resolves r's name, if it has no pipeline yet.
func (r *Ref) bind(res pipeline.Resolver) error {
	if r.Pipeline != nil {
		return nil
	}
	if r.Name == "" {
		return fmt.Errorf("%w: no pipeline named", ErrBadTarget)
	}
	p, err := res.Pipeline(r.Module, r.Name)
	if err != nil {
		return err
	}
	r.Pipeline = p
	return nil
}

// targets returns r's pipeline, if bound, for pipeline.Linker.
func (r Ref) targets() []*pipeline.Pipeline {
	if r.Pipeline == nil {
		return nil
	}
	return []*pipeline.Pipeline{r.Pipeline}
}

// String returns the pipeline's name.
func (r Ref) String() string {
	switch {
	case r.Pipeline != nil:
		return r.Pipeline.Name
	case r.Module != "":
		return r.Module + ":" + r.Name
	}
	return r.Name
}
