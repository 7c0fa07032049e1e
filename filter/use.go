package filter

import (
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// Use returns a filter that sends its stream's events into a sub-stream of a
// pipeline, usually of another module (set ref.Module), and passes what that
// sub-stream outputs on as its own (Pipy's use).
//
// The sub-stream starts on the first event, in the same context; its Data
// (Stream.Data) is argv, as a []any, which scripts see as __argv. Every event,
// of every kind, goes into it; its output, SessionEnd included, is this
// filter's output. The stream is held while the sub-stream runs, and the
// sub-stream is closed when the stream ends.
//
// argv is shared by every stream of the filter and must not be changed. A
// reference by name is resolved when the module is built (see
// pipeline.Binder): an unknown module or pipeline fails the build.
func Use(ref Ref, argv ...any) pipeline.Filter {
	return &use{ref: ref, argv: argv}
}

// UseFunc is Use with argv computed for each stream: argv is called on the
// worker, with the stream, at its first event, just before the sub-stream
// starts (Pipy's use with a function as argv); its result is the
// sub-stream's Data. A panic in argv ends the stream like any filter's.
func UseFunc(ref Ref, argv func(*pipeline.Stream) []any) pipeline.Filter {
	return &use{ref: ref, argvFn: argv}
}

var useInfo = pipeline.Info{
	Name:     "use",
	Synopsis: "(module, pipeline, argv...)",
	Summary:  "Sends events to a pipeline of another module and outputs what it outputs",
	Params: []pipeline.Param{
		{Name: "module", Type: "string", Doc: "File name of the module, relative to this script"},
		{Name: "pipeline", Type: "string", Doc: "Name of the pipeline in that module"},
		{Name: "argv", Type: "any", Doc: "Values the used pipeline's callbacks see as __argv"},
	},
}

type use struct {
	ref    Ref
	argv   []any
	argvFn func(*pipeline.Stream) []any // nil: argv
}

func (*use) Info() pipeline.Info { return useInfo }

// Bind resolves the target's name.
func (f *use) Bind(r pipeline.Resolver) error { return f.ref.bind(r) }

// Targets returns the bound target (pipeline.Linker).
func (f *use) Targets() []*pipeline.Pipeline { return f.ref.targets() }

func (f *use) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	return &useInst{f: f, s: s, next: next}
}

// useInst is the per-stream instance.
type useInst struct {
	f    *use
	s    *pipeline.Stream
	next pipeline.Target
	sub  *pipeline.Stream
}

func (u *useInst) Input(evt event.Event) {
	if u.s.Ended() {
		return
	}
	if u.sub == nil {
		p := resolved(u.s, "use", u.f.ref)
		if p == nil {
			return
		}
		argv := u.f.argv
		if u.f.argvFn != nil {
			argv = u.f.argvFn(u.s)
		}
		u.sub = startSub(u.s, "use", p, u.next, argv)
	}
	u.sub.Input(evt)
}
