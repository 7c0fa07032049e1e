package pipeline

import "github.com/sluice-go/sluice/event"

// Target receives events. Input hands the event over: the receiver may
// consume it (shift bytes out of a *event.Data), so a sender that keeps an
// event while passing it on passes a Clone. Input is always called on the
// worker that owns the stream, never concurrently.
type Target interface {
	Input(evt event.Event)
}

// TargetFunc adapts a function to a Target.
type TargetFunc func(evt event.Event)

// Input calls f(evt).
func (f TargetFunc) Input(evt event.Event) { f(evt) }

// Discard is a Target that drops every event.
var Discard Target = TargetFunc(func(event.Event) {})

// Filter is one stage of a pipeline. The Filter value is an immutable
// template shared by every stream of the pipeline (and by every worker); New
// makes the per-stream instance, which receives the stream's events through
// its Input and sends what it produces to next. Instances run on their
// stream's worker only, so they keep plain fields and never lock; anything
// that blocks runs on its own goroutine and comes back with Stream.Post.
//
// The same holds for the functions a filter is given (callbacks, conditions,
// selectors): each call runs on the worker of the stream it is for, and since
// the Filter is shared, calls for streams on different workers may run at the
// same time, so what such a function shares across streams is safe for
// concurrent use. A panic in one ends its stream with a runtime-error
// SessionEnd naming the filter (see Stream.Catch).
type Filter interface {
	// Info describes the filter for listings and error messages.
	Info() Info
	// New returns the instance of the filter for stream s, sending its
	// output to next.
	New(s *Stream, next Target) Target
}

// Info describes a filter: its name as scripts call it ("onMessage"), an
// argument synopsis ("(callback)"), a one-line summary and its parameters
// (for `--help-filters`).
type Info struct {
	Name     string
	Synopsis string
	Summary  string
	Params   []Param
}

// Param describes one parameter of a filter, as scripts pass it: its name
// ("target"), what it may be ("string|function") and what it means.
type Param struct {
	Name string
	Type string
	Doc  string
}

// Binder is implemented by filters that refer to other pipelines by name
// (link, use, fork, demux, mux). Bind is called once when the module holding
// the filter is built, and returns an error for a name that does not
// resolve, so that a bad reference fails at load and not at the first request.
type Binder interface {
	Bind(r Resolver) error
}

// Resolver finds pipelines by name while a module is built.
type Resolver interface {
	// Pipeline returns the pipeline called name in the module named module,
	// or in the module being built when module is "".
	Pipeline(module, name string) (*Pipeline, error)
}

// Emit sends a whole message to t as events: MessageStart, its body as one
// Data (handed over, not cloned; omitted when empty) and MessageEnd.
func Emit(t Target, m *event.Message) {
	t.Input(&event.MessageStart{Head: m.Head})
	if m.Body != nil && m.Body.Len() > 0 {
		t.Input(m.Body)
	}
	t.Input(&event.MessageEnd{Tail: m.Tail})
}
