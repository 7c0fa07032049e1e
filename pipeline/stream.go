package pipeline

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/sluice-go/sluice/event"
)

// Stream is one running instance of a pipeline (Pipy's session). It owns one
// instance of each filter, chained head to tail; Input feeds the head, and
// what comes out of the tail goes to the stream's output Target.
//
// Lifecycle: a stream delivers exactly one SessionEnd to its output, last
// (unless its owner closes it first with Close). It ends when a SessionEnd
// comes out of its tail; or when a SessionEnd has gone in and nothing holds
// the stream any more (see Hold), in which case the stream itself sends a
// SessionEnd with no error out; or when a filter fails (Fail, or a panic), in
// which case the output gets a SessionEnd with the failure. Once ended, the
// stream runs its OnClose functions (last registered first) and drops
// whatever is still sent to it.
//
// A Stream belongs to its context's worker: all its methods are to be called
// on that worker, except Post.
type Stream struct {
	p    *Pipeline
	ctx  *Context
	w    *Worker
	head Target
	out  Target
	tail tail
	// inbound is the socket whose reads feed the stream (Socket.Start).
	inbound *Socket

	value    any
	cleanups []func()
	onFail   []func(*event.SessionEnd) bool
	failing  bool // Fail is offering its SessionEnd to the onFail handlers
	holds    int
	depth    int
	inEnded  bool // a SessionEnd has gone in
	outEnded bool // a SessionEnd has come out
	closed   bool

	prev, next *Stream // the worker's open streams
}

type tail struct{ s *Stream }

func (t *tail) Input(evt event.Event) {
	s := t.s
	if s.outEnded || s.closed {
		return
	}
	if e, ok := evt.(*event.SessionEnd); ok {
		if int(e.Err) < numKinds {
			s.p.streams.ended[e.Err].Add(1)
		}
		s.outEnded = true
		s.out.Input(evt)
		s.close()
		return
	}
	s.out.Input(evt)
}

// NewStream starts a stream of p in context ctx, sending its output to out
// (Discard when nil). It runs on ctx's worker.
func NewStream(p *Pipeline, ctx *Context, out Target) *Stream {
	if out == nil {
		out = Discard
	}
	s := &Stream{p: p, ctx: ctx, w: ctx.worker, out: out}
	p.streams.allocated.Add(1)
	p.streams.active.Add(1)
	s.tail.s = s
	s.w.link(s)
	var next Target = &s.tail
	for i := len(p.Filters) - 1; i >= 0; i-- {
		next = s.newInstance(p.Filters[i], next)
	}
	s.head = next
	return s
}

func (s *Stream) newInstance(f Filter, next Target) (t Target) {
	defer func() {
		if r := recover(); r != nil {
			t = next
			s.Fail(event.RuntimeError, fmt.Errorf("%s: %v", f.Info().Name, r))
		}
	}()
	return f.New(s, next)
}

// Inbound returns the inbound Socket that feeds s (one started with s as
// its target, as a Server's connections are) when t, a filter instance of
// s, is the only filter of s: what the socket reads then reaches t
// unchanged, and what t outputs is the stream's output, which a Server
// writes back unchanged. Otherwise, and when the socket's options keep its
// connection on the event path (a read, write or idle timeout), it returns
// nil. A filter that only passes bytes both ways (connect) hands the
// connection to the kernel from there with Outbound.Relay.
func (s *Stream) Inbound(t Target) *Socket {
	if s.inbound == nil || s.head != t || len(s.p.Filters) != 1 {
		return nil
	}
	return s.inbound
}

// Value returns the value the stream's starter attached with SetValue
// (fork's session data, use's arguments), or nil. Filters that start
// sub-streams pass it on explicitly where scripts expect it (link and demux
// do).
func (s *Stream) Value() any { return s.value }

// SetValue attaches v to the stream, for its filters and callbacks to read
// (scripts see it as `this` or `__argv`). Call it right after NewStream,
// before the first Input.
func (s *Stream) SetValue(v any) { s.value = v }

// Pipeline returns the pipeline the stream runs.
func (s *Stream) Pipeline() *Pipeline { return s.p }

// Context returns the stream's context.
func (s *Stream) Context() *Context { return s.ctx }

// Worker returns the worker the stream runs on.
func (s *Stream) Worker() *Worker { return s.w }

// Logger returns the worker's logger, with the pipeline and context id added.
func (s *Stream) Logger() *slog.Logger {
	return s.w.logger.With("pipeline", s.p.Name, "context", s.ctx.id)
}

// Input feeds evt to the stream's first filter. Events sent after the stream
// has ended, or after a SessionEnd, are dropped.
func (s *Stream) Input(evt event.Event) {
	if s.closed || s.inEnded {
		return
	}
	if _, ok := evt.(*event.SessionEnd); ok {
		s.inEnded = true
	}
	s.depth++
	s.deliver(evt)
	s.depth--
	s.check()
}

func (s *Stream) deliver(evt event.Event) {
	defer s.catchAny()
	s.head.Input(evt)
}

// Ended reports whether the stream has ended. A filter that calls out (to a
// callback, a socket) checks it when it may be called by upstream filters
// still finishing a loop after the stream failed.
func (s *Stream) Ended() bool { return s.closed }

// InputEnded reports whether a SessionEnd has gone into the stream.
func (s *Stream) InputEnded() bool { return s.inEnded }

// Hold keeps the stream open after a SessionEnd has gone in, until a matching
// Release: a filter holds while it owes output (an open outbound connection, a
// running process, buffered events waiting on a timer or a condition).
func (s *Stream) Hold() { s.holds++ }

// Release undoes one Hold. When the last hold is released after a SessionEnd
// has gone in, and nothing came out yet, the stream ends with a SessionEnd of
// no error.
func (s *Stream) Release() {
	if s.holds > 0 {
		s.holds--
	}
	s.check()
}

func (s *Stream) check() {
	if !s.closed && s.inEnded && s.holds == 0 && s.depth == 0 {
		s.tail.Input(&event.SessionEnd{})
	}
}

// OnClose registers fn to run when the stream ends or is closed. Functions
// run last registered first, on the worker.
func (s *Stream) OnClose(fn func()) { s.cleanups = append(s.cleanups, fn) }

// Fail ends the stream because of err: the output gets a SessionEnd of the
// given kind with err's message, and the stream closes. It is what a filter
// calls when it cannot go on. A runtime error (a callback that threw, a head
// an encoder cannot use, a pipeline that was never bound) is logged at warn
// level, once per stream, with the failing filter when err's text begins
// with its name; other kinds (a refused dial, a protocol error) are the
// peers' doing and are logged at debug level. Before the SessionEnd goes
// out, the OnFail handlers are offered it.
func (s *Stream) Fail(kind event.ErrorKind, err error) { s.fail(kind, err, "", "") }

// ScriptStacker is implemented by errors that come from script code (a
// thrown JavaScript exception): ScriptStack returns the script's call stack,
// one "at function (file:line:col)" line per frame. A failure logs it
// instead of the Go stack.
type ScriptStacker interface {
	ScriptStack() string
}

// fail is Fail with what a recovered panic adds: the filter that recovered
// it and the stack to log ("": err's script stack, if it has one).
func (s *Stream) fail(kind event.ErrorKind, err error, filter, stack string) {
	if s.closed {
		return
	}
	if kind != event.RuntimeError {
		s.Logger().Debug("stream failed", "kind", kind.String(), "err", err)
	} else {
		i := s.filterIndex(filter, err)
		if filter == "" && i >= 0 {
			filter = s.p.Filters[i].Info().Name
		}
		attrs := []any{"kind", kind.String()}
		if filter != "" {
			attrs = append(attrs, "filter", filter)
		}
		if i >= 0 && i < len(s.p.Where) && s.p.Where[i] != "" {
			attrs = append(attrs, "at", s.p.Where[i])
		}
		attrs = append(attrs, "err", err)
		var ss ScriptStacker
		if stack == "" && errors.As(err, &ss) {
			stack = ss.ScriptStack()
		}
		if stack != "" {
			attrs = append(attrs, "stack", stack)
		}
		s.Logger().Warn("stream failed", attrs...)
	}
	end := event.End(kind, err)
	if !s.failing {
		s.failing = true
		for _, fn := range s.onFail {
			if s.offerFail(fn, end) || s.closed {
				break
			}
		}
		s.failing = false
	}
	s.tail.Input(end) // dropped if a handler's output already ended the stream
	s.close()
}

// filterIndex returns the index of the stream's filter called name, or
// when name is "", of the one whose name err's text begins with
// ("encodeHttpResponse: …"); -1 when there is none. Where several filters
// have that name, it is the first.
func (s *Stream) filterIndex(name string, err error) int {
	msg := err.Error()
	for i, f := range s.p.Filters {
		n := f.Info().Name
		if n == "" {
			continue
		}
		if n == name || name == "" && strings.HasPrefix(msg, n+": ") {
			return i
		}
	}
	return -1
}

// OnFail registers fn to be offered the SessionEnd of a failure (Fail, or a
// panic recovered at the stream boundary) before it goes out. A filter
// registers it in New when it owes its peer an answer even if the stream
// fails elsewhere (encodeHttpResponse answers a pending request with 500).
// fn may send events to its own next target, ending with the SessionEnd, and
// then reports true: the other handlers are not offered it. When it reports
// false, having sent nothing, the next handler is offered it. Handlers are
// offered it in the order they were registered (filters are made tail
// first, so the one nearest the output comes first); a Fail while they run
// is not offered again. Whatever the handlers do, the output gets exactly one
// SessionEnd and the stream closes. A panic in fn is logged and counts as
// false.
func (s *Stream) OnFail(fn func(end *event.SessionEnd) bool) { s.onFail = append(s.onFail, fn) }

func (s *Stream) offerFail(fn func(*event.SessionEnd) bool, end *event.SessionEnd) (took bool) {
	defer func() {
		if r := recover(); r != nil {
			s.Logger().Error("OnFail handler panicked", "panic", fmt.Sprint(r), "stack", stack())
			took = false
		}
	}()
	return fn(end)
}

// Catch recovers a panic, for filters that call user code. Use it deferred,
// in a function that wraps only the call:
//
//	func (f *inst) call(d *event.Data) (ok bool) {
//		defer f.s.Catch("onData", &ok)
//		f.fn(d)
//		return true
//	}
//
// A panic becomes a runtime-error SessionEnd naming the filter, logged (see
// Fail) with the script's stack when the panic value is a ScriptStacker, or
// else the Go stack; *ok is left false so the caller drops the event.
func (s *Stream) Catch(filter string, ok *bool) {
	if r := recover(); r != nil {
		*ok = false
		err := fmt.Errorf("%s: %v", filter, r)
		if e, isErr := r.(error); isErr {
			err = fmt.Errorf("%s: %w", filter, e)
		}
		s.fail(event.RuntimeError, err, filter, panicStack(r))
	}
}

func (s *Stream) catchAny() {
	if r := recover(); r != nil {
		err := fmt.Errorf("panic: %v", r)
		if e, isErr := r.(error); isErr {
			err = fmt.Errorf("panic: %w", e)
		}
		s.fail(event.RuntimeError, err, "", panicStack(r))
	}
}

// panicStack returns the script's stack when r is an error from a script,
// or else the Go stack.
func panicStack(r any) string {
	if e, ok := r.(error); ok {
		var ss ScriptStacker
		if errors.As(e, &ss) {
			return ss.ScriptStack()
		}
	}
	return stack()
}

// Close ends the stream without sending anything out: its owner no longer
// wants its output. OnClose functions run; later input is dropped.
func (s *Stream) Close() {
	if s.closed {
		return
	}
	s.outEnded = true
	s.close()
}

func (s *Stream) close() {
	if s.closed {
		return
	}
	s.closed = true
	s.w.unlink(s)
	s.p.streams.active.Add(-1)
	for i := len(s.cleanups) - 1; i >= 0; i-- {
		fn := s.cleanups[i]
		s.cleanups[i] = nil
		s.w.safely(fn)
	}
	s.cleanups = nil
	s.onFail = nil
}

// Post runs fn on the stream's worker, unless the stream has ended by then.
// It is safe to call from any goroutine: it is how a goroutine doing blocking
// work hands its result back. After fn, the context is notified (so wait
// conditions are re-checked) and the stream's end is checked.
func (s *Stream) Post(fn func()) { s.w.post(task{s: s, fn: fn}) }

func (s *Stream) runTask(fn func()) {
	if s.closed {
		return
	}
	s.depth++
	s.runGuarded(fn)
	s.depth--
	s.ctx.Notify()
	s.check()
}

func (s *Stream) runGuarded(fn func()) {
	defer s.catchAny()
	fn()
}

// AfterFunc runs fn on the worker once d has passed on the worker's clock,
// unless the stream has ended by then or the timer is stopped.
func (s *Stream) AfterFunc(d time.Duration, fn func()) Timer {
	return s.w.AfterFunc(d, func() { s.runTask(fn) })
}
