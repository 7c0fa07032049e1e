package script

import (
	"fmt"
	"strconv"

	"github.com/dop251/goja"
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
)

// bindLink reads (target, when, target2, when2, …): each target is a
// pipeline name, optionally followed by its condition.
func bindLink(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	var targets []filter.LinkTarget
	p := rt.p
	for i, a := range args {
		if id, ok := rt.register(a); ok {
			if len(targets) == 0 || targets[len(targets)-1].When != nil {
				return nil, fmt.Errorf("%w: argument %d: a condition must follow a pipeline name", ErrBadArgument, i+1)
			}
			targets[len(targets)-1].When = func(s *pipeline.Stream) bool {
				w := p.runtimeOf(s)
				return w.call(s, id).ToBoolean()
			}
			continue
		}
		name, err := stringArg(a, "pipeline name")
		if err != nil {
			return nil, fmt.Errorf("argument %d: %w", i+1, err)
		}
		rt.ref("", name)
		targets = append(targets, filter.LinkTarget{Ref: filter.To(name)})
	}
	if len(targets) == 0 {
		return nil, fmt.Errorf("%w: no target pipeline", ErrBadArgument)
	}
	return filter.Link(targets...), nil
}

// demux(target, options): options {bufferLimit (bytes or "1m"), onFail (a
// replacement: the answer for a request whose stream failed, given the
// SessionEnd)}.
func bindDemux(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	name, err := stringArg(arg(args, 0), "target pipeline")
	if err != nil {
		return nil, err
	}
	rt.ref("", name)
	var opts filter.DemuxOptions
	if o, ok := arg(args, 1).(*goja.Object); ok {
		if v := o.Get("bufferLimit"); !isNullish(v) {
			if opts.BufferLimit, err = parseSize(v.Export()); err != nil {
				return nil, fmt.Errorf("bufferLimit: %w", err)
			}
		}
		if opts.OnFail, err = rt.onFailArg(o); err != nil {
			return nil, err
		}
	}
	return filter.Demux(filter.To(name), opts), nil
}

// onFailArg reads the onFail option of demux and demuxHTTP: a replacement
// (a message, or a function given the SessionEnd) answering a request
// whose stream failed; nil when not given.
func (rt *jsRuntime) onFailArg(o *goja.Object) (func(*pipeline.Stream, *event.SessionEnd, pipeline.Target), error) {
	v := o.Get("onFail")
	if isNullish(v) {
		return nil, nil
	}
	r, err := rt.replacementArg(v)
	if err != nil {
		return nil, fmt.Errorf("onFail: %w", err)
	}
	return func(s *pipeline.Stream, end *event.SessionEnd, out pipeline.Target) {
		r.replace(s, end, out)
	}, nil
}

// mux(target, selector, options): selector is a function returning the key
// (as a string), or a fixed key; options {idleTimeout (or maxIdle),
// maxInFlight}.
func bindMux(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	name, err := stringArg(arg(args, 0), "target pipeline")
	if err != nil {
		return nil, err
	}
	rt.ref("", name)
	var sel func(*pipeline.Stream) string
	optArg := arg(args, 2)
	switch v := arg(args, 1); {
	case isNullish(v):
	default:
		if id, ok := rt.register(v); ok {
			p := rt.p
			sel = func(s *pipeline.Stream) string {
				w := p.runtimeOf(s)
				k := w.call(s, id)
				if isNullish(k) {
					return ""
				}
				return k.String()
			}
			break
		}
		if o, ok := v.(*goja.Object); ok && len(args) < 3 {
			optArg = o
			break
		}
		key := v.String()
		sel = func(*pipeline.Stream) string { return key }
	}
	var opts filter.MuxOptions
	if o, ok := optArg.(*goja.Object); ok {
		for _, k := range []string{"maxIdle", "idleTimeout"} {
			if v := o.Get(k); !isNullish(v) {
				if opts.IdleTimeout, err = parseDuration(v.Export()); err != nil {
					return nil, fmt.Errorf("%s: %w", k, err)
				}
			}
		}
		for _, k := range []string{"maxQueue", "maxInFlight"} {
			if v := o.Get(k); !isNullish(v) {
				opts.MaxInFlight = int(v.ToInteger())
			}
		}
		if opts.MaxBodySize, err = bodySizeOption(o, "maxBodySize"); err != nil {
			return nil, err
		}
	}
	return filter.Mux(filter.To(name), sel, opts), nil
}

// fork(target, sessionData): sessionData is nothing (one fork sharing the
// stream's data), an array (one fork per element, the element as `this`),
// any other value (one fork), or a function returning one of those.
func bindFork(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	name, err := stringArg(arg(args, 0), "target pipeline")
	if err != nil {
		return nil, err
	}
	rt.ref("", name)
	v := arg(args, 1)
	p := rt.p
	if isNullish(v) {
		return filter.Fork(filter.To(name), nil), nil
	}
	if id, ok := rt.register(v); ok {
		return filter.Fork(filter.To(name), func(s *pipeline.Stream) []any {
			w := p.runtimeOf(s)
			return w.sessionData(w.call(s, id))
		}), nil
	}
	x := normalize(v.Export())
	elems, isArray := x.([]any)
	if !isArray {
		elems = []any{x}
	}
	return filter.Fork(filter.To(name), func(s *pipeline.Stream) []any {
		w := p.runtimeOf(s)
		out := make([]any, len(elems))
		for i, e := range elems {
			out[i] = &jsValue{rt: w, v: w.vm.ToValue(deepCopy(e))}
		}
		return out
	}), nil
}

// sessionData turns what a fork's session-data function returned into the
// forks' Data, kept as values of this runtime.
func (rt *jsRuntime) sessionData(v goja.Value) []any {
	if o, ok := v.(*goja.Object); ok && o.ClassName() == "Array" {
		n := int(o.Get("length").ToInteger())
		out := make([]any, n)
		for i := range n {
			out[i] = &jsValue{rt: rt, v: o.Get(strconv.Itoa(i))}
		}
		return out
	}
	if isNullish(v) {
		return []any{nil}
	}
	return []any{&jsValue{rt: rt, v: v}}
}

// use(module, pipeline, argv...): as in Pipy, a single array is the argv
// itself, a single function is called at each stream's first event (in the
// caller's context) and its result, an array or one value, is the argv, and
// several values are the argv. Plain values are exported at load and each
// stream gets a copy; functions among them stay functions (see argv.go). The
// used pipeline reads the argv as __argv.
func bindUse(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	module, err := stringArg(arg(args, 0), "module")
	if err != nil {
		return nil, err
	}
	name, err := stringArg(arg(args, 1), "pipeline name")
	if err != nil {
		return nil, err
	}
	rt.ref(module, name)
	ref := filter.Ref{Module: module, Name: name}
	var rest []goja.Value
	if len(args) > 2 {
		rest = args[2:]
	}
	if len(rest) == 1 {
		if id, ok := rt.register(rest[0]); ok {
			p := rt.p
			return filter.UseFunc(ref, func(s *pipeline.Stream) []any {
				w := p.runtimeOf(s)
				return w.sessionData(w.call(s, id))
			}), nil
		}
		if o, ok := rest[0].(*goja.Object); ok && o.ClassName() == "Array" {
			rest = nil
			rt.vm.ForOf(o, func(v goja.Value) bool {
				rest = append(rest, v)
				return true
			})
		}
	}
	var argv []any // nil: no arguments, __argv is null
	if len(args) > 2 {
		argv = make([]any, 0, len(rest))
	}
	for _, a := range rest {
		if id, ok := rt.register(a); ok {
			argv = append(argv, &argvFunc{p: rt.p, id: id})
			continue
		}
		argv = append(argv, normalize(a.Export()))
	}
	return filter.Use(ref, argv...), nil
}

func bindWait(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	id, err := rt.callbackArg(arg(args, 0), "the condition")
	if err != nil {
		return nil, err
	}
	p := rt.p
	return filter.Wait(func(s *pipeline.Stream) bool {
		w := p.runtimeOf(s)
		return w.call(s, id).ToBoolean()
	}), nil
}

// --- I/O ----------------------------------------------------------------------
