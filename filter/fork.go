package filter

import (
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// Fork returns a filter that sends a copy of every event to new streams of a
// pipeline and passes the original on (Pipy's fork).
//
// On the first event, sessionData is called once and one fork is started for
// each element it returns, in the stream's context, with the element as its
// Data (scripts see its fields as `this`); an empty result starts none. A nil
// sessionData starts one fork whose Data is the stream's own. Every event,
// the first included, goes to each fork first (Data as a Clone sharing the
// chunks, other events as shallow copies), then the original is passed on.
// What the forks output is discarded.
//
// A SessionEnd reaches the forks like any other event, but the stream does
// not wait for them: when it ends, the forks still running are closed.
// A reference by name is resolved when the module is
// built (see pipeline.Binder).
func Fork(ref Ref, sessionData func(s *pipeline.Stream) []any) pipeline.Filter {
	return &fork{ref: ref, data: sessionData}
}

var forkInfo = pipeline.Info{
	Name:     "fork",
	Synopsis: "(target, sessionData)",
	Summary:  "Sends a copy of every event to new streams of a pipeline and passes the original on",
	Params: []pipeline.Param{
		targetParam,
		{Name: "sessionData", Type: "object|array|function", Doc: "`this` in the forked stream; an array starts one fork per element; a function returns one of those"},
	},
}

type fork struct {
	ref  Ref
	data func(*pipeline.Stream) []any
}

func (*fork) Info() pipeline.Info { return forkInfo }

// Bind resolves the target's name.
func (f *fork) Bind(r pipeline.Resolver) error { return f.ref.bind(r) }

// Targets returns the bound target (pipeline.Linker).
func (f *fork) Targets() []*pipeline.Pipeline { return f.ref.targets() }

func (f *fork) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	return &forkInst{f: f, s: s, next: next}
}

// forkInst is the per-stream instance.
type forkInst struct {
	f       *fork
	s       *pipeline.Stream
	next    pipeline.Target
	started bool
	forks   []*pipeline.Stream
}

func (k *forkInst) Input(evt event.Event) {
	if k.s.Ended() {
		return
	}
	if !k.started {
		k.started = true
		if !k.start() {
			return
		}
	}
	for _, st := range k.forks {
		st.Input(copyEvent(evt))
	}
	if k.s.Ended() {
		return
	}
	k.next.Input(evt)
}

// start starts the forks; it returns false when the stream failed trying.
func (k *forkInst) start() bool {
	p := resolved(k.s, "fork", k.f.ref)
	if p == nil {
		return false
	}
	elems := []any{k.s.Value()}
	if k.f.data != nil {
		var ok bool
		if elems, ok = k.call(); !ok {
			return false
		}
	}
	if len(elems) == 0 {
		return true
	}
	k.forks = make([]*pipeline.Stream, len(elems))
	for i, v := range elems {
		st := pipeline.NewStream(p, k.s.Context(), nil)
		st.SetValue(v)
		k.forks[i] = st
	}
	k.s.OnClose(k.close)
	return true
}

func (k *forkInst) call() (elems []any, ok bool) {
	defer k.s.Catch("fork", &ok)
	return k.f.data(k.s), true
}

func (k *forkInst) close() {
	for _, st := range k.forks {
		st.Close()
	}
	k.forks = nil
}
