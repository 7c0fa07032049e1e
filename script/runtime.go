package script

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/dop251/goja"
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// jsRuntime is one goja runtime running a program: either the definition run
// (w is nil), which builds the module's pipelines and is then dropped, or the
// runtime of one worker, made the first time that worker runs one of the
// program's callbacks. A worker's runtime re-runs the same compiled top-level
// code; the functions handed to the configuration builder are numbered in
// the order they are handed over, so the Go filters built by the definition
// run (which hold only those numbers) find, on each worker, the function of
// the same number in that worker's runtime. A runtime is used only on its
// worker, and none of its values leaves it.
type jsRuntime struct {
	p      *program
	vm     *goja.Runtime
	w      *pipeline.Worker // nil for the definition run
	wd     *watchdog        // w's; nil for the definition run
	lim    limits           // p's
	logger *slog.Logger
	err    error // the worker run failed: every callback fails with it

	// What the top-level code configured.
	configured bool
	varNames   []string
	initVals   []goja.Value // the values declared with pipy({...})
	topVars    ctxVars      // what variables mean outside any stream
	fns        []goja.Callable
	sig        []string
	section    *pipeline.Pipeline           // definition run: the pipeline being filled
	method     string                       // definition run: the builder method being called
	refs       []ref                        // definition run: pipelines named so far
	sections   map[*pipeline.Pipeline]Error // definition run: where each section was opened

	// The stream whose callback runs, and its context's variables.
	cur     *pipeline.Stream
	curVars *ctxVars

	// Prototypes of the classes this package defines.
	dataProto, messageProto, msgStartProto, msgEndProto, sessEndProto, sessionProto *goja.Object
	jsonStringify, jsonParse                                                        goja.Callable
}

// newRuntime makes a runtime for p with every global installed. w is the
// worker it belongs to, or nil for the definition run.
func newRuntime(p *program, w *pipeline.Worker) (*jsRuntime, error) {
	rt := &jsRuntime{p: p, vm: goja.New(), w: w, logger: p.logger, lim: p.lim}
	if w != nil {
		rt.wd = watchdogOf(w)
		if p.opts.Logger == nil {
			rt.logger = w.Logger()
		}
	}
	rt.vm.SetMaxCallStackSize(4096)
	if err := rt.installCore(); err != nil {
		return nil, fmt.Errorf("script: %s: %w", p.name, err)
	}
	if err := installGlobals(rt); err != nil {
		return nil, fmt.Errorf("script: %s: %w", p.name, err)
	}
	return rt, nil
}

// runTop runs the program's top-level code, under the time budget.
func (rt *jsRuntime) runTop() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &Error{File: rt.p.name, Message: fmt.Sprint(r), Err: ErrScript}
		}
	}()
	run := func() error {
		_, err := rt.vm.RunProgram(rt.p.code)
		return err
	}
	if rt.wd == nil {
		err = runLimited(rt.vm, rt.lim, run)
	} else {
		outer := rt.wd.enter(rt)
		defer rt.wd.exit(rt, outer)
		err = run()
	}
	if err != nil {
		return exceptionError(rt.p.name, err)
	}
	return nil
}

// runtimeOf returns the runtime of p on s's worker, making it on first use.
// It panics (the filter's Catch turns that into a runtime-error SessionEnd)
// when the worker's run of the script failed (for good, unless it failed
// because the worker was interrupted).
func (p *program) runtimeOf(s *pipeline.Stream) *jsRuntime {
	w := s.Worker()
	var rt *jsRuntime
	if v, ok := p.runtimes.Load(w); ok {
		rt = v.(*jsRuntime)
	} else {
		// Only w itself stores w's runtime, so there is no race to make it.
		// A run interrupted because the worker was stopping is not kept: the
		// next callback tries again.
		rt = p.workerRuntime(w)
		if !errors.Is(rt.err, ErrInterrupted) {
			p.runtimes.Store(w, rt)
		}
	}
	if rt.err != nil {
		panic(rt.err)
	}
	return rt
}

// workerRuntime makes w's runtime for p by re-running the script, and checks
// that it configured the same thing as the definition run.
func (p *program) workerRuntime(w *pipeline.Worker) *jsRuntime {
	rt, err := newRuntime(p, w)
	if err == nil {
		err = rt.runTop()
	}
	if err == nil {
		err = rt.matches()
	}
	if err != nil {
		w.Logger().Error("script runtime failed", "script", p.name, "err", err)
		return &jsRuntime{p: p, w: w, err: err}
	}
	return rt
}

// matches reports whether a worker run configured what the definition run
// did: the same variables, builder calls and number of callbacks.
func (rt *jsRuntime) matches() error {
	p := rt.p
	switch {
	case !rt.configured:
		return fmt.Errorf("%w: %s: pipy() was not called on worker %d", ErrMismatch, p.name, rt.w.ID())
	case !slices.Equal(rt.varNames, p.varNames):
		return fmt.Errorf("%w: %s: variables %v, first run declared %v", ErrMismatch, p.name, rt.varNames, p.varNames)
	case !slices.Equal(rt.sig, p.sig):
		return fmt.Errorf("%w: %s: configuration calls %v, first run made %v", ErrMismatch, p.name, rt.sig, p.sig)
	case len(rt.fns) != p.nfuncs:
		return fmt.Errorf("%w: %s: %d callbacks, first run had %d", ErrMismatch, p.name, len(rt.fns), p.nfuncs)
	}
	return nil
}

// register numbers fn as the next callback; ok is false when v is not a
// function.
func (rt *jsRuntime) register(v goja.Value) (id int, ok bool) {
	fn, ok := goja.AssertFunction(v)
	if !ok {
		return -1, false
	}
	rt.fns = append(rt.fns, fn)
	return len(rt.fns) - 1, true
}

// call runs callback id for stream s: `this` is the stream's Data (a fork's
// session data; not use's argv, which scripts read as __argv), and the
// context variables are s's. A thrown exception,
// or an interrupt by the worker's watchdog (time budget, memory limit,
// worker stopping), panics with an *Error giving the script position, for
// the calling filter's Catch to end the stream with.
func (rt *jsRuntime) call(s *pipeline.Stream, id int, args ...goja.Value) goja.Value {
	v, err := rt.callValue(s, rt.fns[id], args...)
	if err != nil {
		e := exceptionError(rt.p.name, err)
		countCallbackError(e)
		panic(e)
	}
	return v
}

// callValue calls fn, a function of this runtime, for stream s as call
// does, and returns what it throws as an error.
func (rt *jsRuntime) callValue(s *pipeline.Stream, fn goja.Callable, args ...goja.Value) (goja.Value, error) {
	prev, prevVars := rt.cur, rt.curVars
	rt.cur, rt.curVars = s, nil
	outer := rt.wd.enter(rt)
	defer func() {
		rt.wd.exit(rt, outer)
		rt.cur, rt.curVars = prev, prevVars
	}()
	this := goja.Undefined()
	if d := s.Value(); d != nil {
		if _, argv := d.([]any); !argv { // use's argv is __argv, not this
			this = rt.toJS(d)
		}
	}
	return fn(this, args...)
}

// varsKey keys a context's variables of one program.
type varsKey struct{ p *program }

// ctxVars are one context's values of the script's context variables.
type ctxVars struct {
	ctx     *pipeline.Context
	vals    []goja.Value
	inbound goja.Value
}

// Inherit gives a context derived from v's (demux) its own shallow copy of
// v's current values, as Pipy does (pipeline.Inheritor).
func (v *ctxVars) Inherit(child *pipeline.Context) any {
	return &ctxVars{ctx: child, vals: slices.Clone(v.vals), inbound: v.inbound}
}

// vars returns the variables of the running callback's context, giving the
// context a shallow copy of the declared values on first use. A derived
// context (demux) got a copy of its parent's current values when it was made
// (Inherit); one made before its parent had any starts from the declared
// values, which its parent still had. Outside any stream (top-level code)
// they are the declared values themselves.
func (rt *jsRuntime) vars() *ctxVars {
	if rt.curVars != nil {
		return rt.curVars
	}
	if rt.cur == nil {
		return &rt.topVars
	}
	ctx := rt.cur.Context()
	key := varsKey{rt.p}
	v, _ := ctx.Value(key).(*ctxVars)
	if v == nil || v.ctx != ctx {
		v = &ctxVars{ctx: ctx, vals: slices.Clone(rt.initVals)}
		ctx.SetValue(key, v)
	}
	rt.curVars = v
	return v
}

// declare records the variables of pipy({...}) and makes each a global
// accessor property reading and writing the current context's slot.
func (rt *jsRuntime) declare(v goja.Value) error {
	if isNullish(v) {
		return nil
	}
	obj, ok := v.(*goja.Object)
	if !ok {
		return fmt.Errorf("%w: pipy: the context variables must be an object", ErrBadArgument)
	}
	global := rt.vm.GlobalObject()
	for _, k := range obj.Keys() {
		i := len(rt.varNames)
		rt.varNames = append(rt.varNames, k)
		rt.initVals = append(rt.initVals, obj.Get(k))
		get := rt.vm.ToValue(func(goja.FunctionCall) goja.Value { return rt.vars().vals[i] })
		set := rt.vm.ToValue(func(c goja.FunctionCall) goja.Value {
			rt.vars().vals[i] = c.Argument(0)
			return goja.Undefined()
		})
		if err := global.DefineAccessorProperty(k, get, set, goja.FLAG_TRUE, goja.FLAG_TRUE); err != nil {
			return fmt.Errorf("%w: pipy: context variable %q: %w", ErrBadArgument, k, err)
		}
	}
	rt.topVars.vals = rt.initVals
	return nil
}

// inbound returns __inbound for the current context.
func (rt *jsRuntime) inbound() goja.Value {
	if rt.cur == nil {
		return goja.Undefined()
	}
	v := rt.vars()
	if v.inbound != nil {
		return v.inbound
	}
	ctx := v.ctx
	o := rt.vm.NewObject()
	o.Set("id", ctx.Root().ID())
	setAddr := func(prefix string, a net.Addr) {
		host, port := splitAddr(a)
		o.Set(prefix+"Address", host)
		o.Set(prefix+"Port", port)
	}
	setAddr("remote", ctx.RemoteAddr)
	setAddr("local", ctx.LocalAddr)
	v.inbound = o
	return o
}

// splitAddr returns the host and port of a connection's address: "" and 0
// for none.
func splitAddr(a net.Addr) (host string, port int) {
	switch a := a.(type) {
	case *net.TCPAddr:
		return a.IP.String(), a.Port
	case nil:
		return "", 0
	}
	h, p, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String(), 0
	}
	fmt.Sscan(p, &port)
	return h, port
}

// ref records, in the definition run, a pipeline named by the builder
// method being called, with the script position of the call.
func (rt *jsRuntime) ref(module, name string) {
	if rt.w != nil {
		return
	}
	r := ref{method: rt.method, module: module, name: name, from: rt.section, at: rt.callPos()}
	rt.refs = append(rt.refs, r)
}

// callPos returns the position of the innermost script frame (File, Line,
// Column), or the file alone when there is none.
func (rt *jsRuntime) callPos() Error {
	at := Error{File: rt.p.name}
	for _, f := range rt.vm.CaptureCallStack(8, nil) {
		if p := f.Position(); p.Line > 0 {
			at.Line, at.Column = p.Line, p.Column
			if p.Filename != "" {
				at.File = p.Filename
			}
			break
		}
	}
	return at
}

// VM returns the goja runtime (host).
func (rt *jsRuntime) VM() *goja.Runtime { return rt.vm }

// Logger returns where console output and script errors go (host).
func (rt *jsRuntime) Logger() *slog.Logger { return rt.logger }

// Now returns the worker's clock, which tests can replace, or the wall clock
// for the definition run (host: drives algo.Cache ttl).
func (rt *jsRuntime) Now() time.Time {
	if rt.w == nil {
		return time.Now()
	}
	return rt.w.Now()
}

// BaseDir returns the script's directory (host).
func (rt *jsRuntime) BaseDir() string { return rt.p.dir }

// DataOf converts a Data object (shared) or a string (host).
func (rt *jsRuntime) DataOf(v goja.Value) (*event.Data, bool) {
	switch x := v.(type) {
	case *goja.Object:
		if d, ok := x.Export().(*jsData); ok {
			return d.d, true
		}
		return nil, false
	case nil:
		return nil, false
	}
	if s, ok := v.Export().(string); ok {
		return event.FromString(s), true
	}
	return nil, false
}

// throw throws err into the script as a JavaScript error (a GoError whose
// cause is err); it does not return.
func (rt *jsRuntime) throw(err error) {
	panic(rt.vm.NewGoError(err))
}

// throwf throws a bad-argument error.
func (rt *jsRuntime) throwf(format string, args ...any) {
	rt.throw(&argError{err: fmt.Errorf(format, args...)})
}

// argError is a bad argument given to a script function: its text is
// "bad argument: <function>: <what is wrong>"; it wraps ErrBadArgument and
// its cause.
type argError struct {
	fn  string
	err error
}

func (e *argError) Error() string {
	msg := strings.TrimPrefix(e.err.Error(), ErrBadArgument.Error()+": ")
	if e.fn == "" {
		return "bad argument: " + msg
	}
	return "bad argument: " + e.fn + ": " + msg
}

func (e *argError) Unwrap() []error { return []error{ErrBadArgument, e.err} }

func isNullish(v goja.Value) bool {
	return v == nil || goja.IsUndefined(v) || goja.IsNull(v)
}
