package script

import (
	"crypto/tls"
	"fmt"
	"strconv"
	"time"

	"github.com/dop251/goja"
	"github.com/sluice-go/sluice/codec/dubbo"
	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
)

// binding is one filter method of the configuration builder: bind reads the
// JS arguments and returns the Go filter. It runs in the definition run and
// again in every worker's run, where the filter is dropped: what matters
// there is that it registers the same callbacks in the same order. The Go
// functions a binding hands to a filter must hold only the program and
// callback numbers, never a value of the runtime they were made in.
type binding struct {
	name string
	bind func(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error)
}

// bindingTable returns the table of filter methods, in Pipy's names. It is a function, not a variable, only because the bindings
// refer back (through the runtime) to the builder that uses the table.
func bindingTable() []binding {
	return []binding{
		{"connect", bindConnect},
		{"demux", bindDemux},
		{"mux", bindMux},
		{"muxHTTP", bindMuxHTTP},
		{"fork", bindFork},
		{"link", bindLink},
		{"use", bindUse},
		{"wait", bindWait},
		{"tap", bindTap},
		{"exec", bindExec},
		{"decodeHttpRequest", bindDecodeHTTPRequest},
		{"decodeHttpResponse", func(*jsRuntime, []goja.Value) (pipeline.Filter, error) { return http1.DecodeResponse(), nil }},
		{"encodeHttpRequest", bindEncodeHTTPRequest},
		{"encodeHttpResponse", bindEncodeHTTPResponse},
		{"decodeDubbo", func(*jsRuntime, []goja.Value) (pipeline.Filter, error) { return dubbo.Decode(), nil }},
		{"encodeDubbo", bindEncodeDubbo},
		{"onSessionStart", bindOnSessionStart},
		{"onData", bindOnData},
		{"onMessageStart", bindOnMessageStart},
		{"onMessageEnd", bindOnMessageEnd},
		{"onSessionEnd", bindOnSessionEnd},
		{"onMessageBody", bindOnMessageBody},
		{"onMessage", bindOnMessage},
		{"replaceSessionStart", bindReplaceSessionStart},
		{"replaceData", bindReplaceData},
		{"replaceMessageStart", bindReplaceMessageStart},
		{"replaceMessageEnd", bindReplaceMessageEnd},
		{"replaceSessionEnd", bindReplaceSessionEnd},
		{"replaceMessageBody", bindReplaceMessageBody},
		{"replaceMessage", bindReplaceMessage},
		{"dump", bindDump},
		{"print", func(*jsRuntime, []goja.Value) (pipeline.Filter, error) { return filter.Print(), nil }},
		{"dummy", func(*jsRuntime, []goja.Value) (pipeline.Filter, error) { return filter.Dummy(), nil }},
	}
}

// callbackArg registers v, which must be a function, as the next callback.
func (rt *jsRuntime) callbackArg(v goja.Value, what string) (int, error) {
	id, ok := rt.register(v)
	if !ok {
		return 0, fmt.Errorf("%w: %s must be a function", ErrBadArgument, what)
	}
	return id, nil
}

// stringArg reads a required string argument.
func stringArg(v goja.Value, what string) (string, error) {
	if isNullish(v) {
		return "", fmt.Errorf("%w: no %s", ErrBadArgument, what)
	}
	if _, ok := v.Export().(string); !ok {
		return "", fmt.Errorf("%w: %s must be a string, not %s", ErrBadArgument, what, v.String())
	}
	return v.String(), nil
}

// fail panics with err for the calling filter's Catch.
func fail(err error) {
	if err != nil {
		panic(err)
	}
}

// --- observers --------------------------------------------------------------

func bindOnSessionStart(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	id, err := rt.callbackArg(arg(args, 0), "the callback")
	if err != nil {
		return nil, err
	}
	p := rt.p
	return filter.OnSessionStart(func(s *pipeline.Stream, evt event.Event) {
		w := p.runtimeOf(s)
		w.call(s, id, w.eventToJS(evt))
	}), nil
}

func bindOnData(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	id, err := rt.callbackArg(arg(args, 0), "the callback")
	if err != nil {
		return nil, err
	}
	p := rt.p
	return filter.OnData(func(s *pipeline.Stream, d *event.Data) {
		w := p.runtimeOf(s)
		w.call(s, id, w.NewData(d.Clone()))
	}), nil
}

func bindOnMessageStart(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	id, err := rt.callbackArg(arg(args, 0), "the callback")
	if err != nil {
		return nil, err
	}
	p := rt.p
	return filter.OnMessageStart(func(s *pipeline.Stream, ms *event.MessageStart) {
		w := p.runtimeOf(s)
		w.call(s, id, w.eventToJS(ms))
	}), nil
}

func bindOnMessageEnd(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	id, err := rt.callbackArg(arg(args, 0), "the callback")
	if err != nil {
		return nil, err
	}
	p := rt.p
	return filter.OnMessageEnd(func(s *pipeline.Stream, me *event.MessageEnd) {
		w := p.runtimeOf(s)
		w.call(s, id, w.eventToJS(me))
	}), nil
}

func bindOnSessionEnd(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	id, err := rt.callbackArg(arg(args, 0), "the callback")
	if err != nil {
		return nil, err
	}
	p := rt.p
	return filter.OnSessionEnd(func(s *pipeline.Stream, se *event.SessionEnd) {
		w := p.runtimeOf(s)
		w.call(s, id, w.eventToJS(se))
	}), nil
}

func bindOnMessageBody(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	id, err := rt.callbackArg(arg(args, 0), "the callback")
	if err != nil {
		return nil, err
	}
	opts, err := messageOptionsArg(arg(args, 1))
	if err != nil {
		return nil, err
	}
	p := rt.p
	return filter.OnMessageBody(func(s *pipeline.Stream, body *event.Data) {
		w := p.runtimeOf(s)
		w.call(s, id, w.NewData(body))
	}, opts), nil
}

func bindOnMessage(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	id, err := rt.callbackArg(arg(args, 0), "the callback")
	if err != nil {
		return nil, err
	}
	opts, err := messageOptionsArg(arg(args, 1))
	if err != nil {
		return nil, err
	}
	p := rt.p
	return filter.OnMessage(func(s *pipeline.Stream, msg *event.Message) {
		w := p.runtimeOf(s)
		w.call(s, id, w.NewMessage(msg))
	}, opts), nil
}

// --- replacements -----------------------------------------------------------

// replacer is a replacement argument: a callback (id ≥ 0) whose result is
// converted to events at each call, or events converted once at load
// (static) and copied at each use.
type replacer struct {
	p      *program
	id     int
	static []event.Event
}

func (rt *jsRuntime) replacementArg(v goja.Value) (replacer, error) {
	if id, ok := rt.register(v); ok {
		return replacer{p: rt.p, id: id}, nil
	}
	var l eventList
	if err := rt.emit(v, &l); err != nil {
		return replacer{}, err
	}
	return replacer{p: rt.p, id: -1, static: l}, nil
}

// replace writes the replacement for evt to out.
func (r *replacer) replace(s *pipeline.Stream, evt event.Event, out pipeline.Target) {
	if r.id < 0 {
		emitStatic(r.static, out)
		return
	}
	w := r.p.runtimeOf(s)
	fail(w.emit(w.call(s, r.id, w.eventToJS(evt)), out))
}

func bindReplaceSessionStart(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	r, err := rt.replacementArg(arg(args, 0))
	if err != nil {
		return nil, err
	}
	return filter.ReplaceSessionStart(func(s *pipeline.Stream, evt event.Event, out pipeline.Target) {
		r.replace(s, evt, out)
	}), nil
}

func bindReplaceData(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	r, err := rt.replacementArg(arg(args, 0))
	if err != nil {
		return nil, err
	}
	return filter.ReplaceData(func(s *pipeline.Stream, d *event.Data, out pipeline.Target) {
		if r.id < 0 {
			emitStatic(r.static, out)
			return
		}
		w := r.p.runtimeOf(s)
		fail(w.emit(w.call(s, r.id, w.NewData(d)), out))
	}), nil
}

func bindReplaceMessageStart(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	r, err := rt.replacementArg(arg(args, 0))
	if err != nil {
		return nil, err
	}
	return filter.ReplaceMessageStart(func(s *pipeline.Stream, ms *event.MessageStart, out pipeline.Target) {
		r.replace(s, ms, out)
	}), nil
}

func bindReplaceMessageEnd(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	r, err := rt.replacementArg(arg(args, 0))
	if err != nil {
		return nil, err
	}
	return filter.ReplaceMessageEnd(func(s *pipeline.Stream, me *event.MessageEnd, out pipeline.Target) {
		r.replace(s, me, out)
	}), nil
}

func bindReplaceSessionEnd(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	r, err := rt.replacementArg(arg(args, 0))
	if err != nil {
		return nil, err
	}
	return filter.ReplaceSessionEnd(func(s *pipeline.Stream, se *event.SessionEnd, out pipeline.Target) {
		r.replace(s, se, out)
	}), nil
}

func bindReplaceMessage(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	r, err := rt.replacementArg(arg(args, 0))
	if err != nil {
		return nil, err
	}
	opts, err := messageOptionsArg(arg(args, 1))
	if err != nil {
		return nil, err
	}
	return filter.ReplaceMessage(func(s *pipeline.Stream, msg *event.Message, out pipeline.Target) {
		if r.id < 0 {
			emitStatic(r.static, out)
			return
		}
		w := r.p.runtimeOf(s)
		fail(w.emit(w.call(s, r.id, w.NewMessage(msg)), out))
	}, opts), nil
}

// replaceMessageBody(r): r is a function of the body returning Data, a
// string or nothing, or such a value itself.
func bindReplaceMessageBody(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	v := arg(args, 0)
	opts, err := messageOptionsArg(arg(args, 1))
	if err != nil {
		return nil, err
	}
	if id, ok := rt.register(v); ok {
		p := rt.p
		return filter.ReplaceMessageBody(func(s *pipeline.Stream, body *event.Data) *event.Data {
			w := p.runtimeOf(s)
			res := w.call(s, id, w.NewData(body))
			if isNullish(res) {
				return nil
			}
			d, ok := w.DataOf(res)
			if !ok {
				fail(fmt.Errorf("%w: replaceMessageBody: the callback returned %s, not Data or a string", ErrBadArgument, res.String()))
			}
			return d.Clone()
		}, opts), nil
	}
	var static *event.Data
	if !isNullish(v) {
		d, ok := rt.DataOf(v)
		if !ok {
			return nil, fmt.Errorf("%w: the replacement must be a function, Data or a string", ErrBadArgument)
		}
		static = d.Clone()
	}
	return filter.ReplaceMessageBody(func(*pipeline.Stream, *event.Data) *event.Data {
		if static == nil {
			return nil
		}
		return static.Clone()
	}, opts), nil
}

// messageOptionsArg reads the options a filter that collects whole messages
// takes after its callback (a sluice extension): {maxBodySize}, a size
// ("64m", a number of bytes; a negative number for no bound).
func messageOptionsArg(v goja.Value) (filter.MessageOptions, error) {
	var opts filter.MessageOptions
	o, ok := v.(*goja.Object)
	if !ok {
		return opts, nil
	}
	n, err := bodySizeOption(o, "maxBodySize")
	opts.MaxBodySize = n
	return opts, err
}

// bodySizeOption reads o[key] as a body size: absent gives 0 (the
// default), a negative number -1 (no bound), else a size as
// filter.ParseSize reads it.
func bodySizeOption(o *goja.Object, key string) (int64, error) {
	x := o.Get(key)
	if isNullish(x) {
		return 0, nil
	}
	if f, ok := x.Export().(float64); ok && f < 0 {
		return -1, nil
	}
	if i, ok := x.Export().(int64); ok && i < 0 {
		return -1, nil
	}
	n, err := filter.ParseSize(x.Export())
	if err != nil {
		return 0, fmt.Errorf("%s: %w", key, err)
	}
	return int64(n), nil
}

// decodeHttpRequest(options): options {maxBodySize} (a sluice extension;
// see http1.Options.MaxBodySize; absent or 0 for no limit).
func bindDecodeHTTPRequest(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	f := http1.DecodeRequest()
	if o, ok := arg(args, 0).(*goja.Object); ok {
		n, err := bodySizeOption(o, "maxBodySize")
		if err != nil {
			return nil, err
		}
		f.Options.MaxBodySize = n
	}
	return f, nil
}

// --- pipelines ----------------------------------------------------------------

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
			if opts.BufferLimit, err = filter.ParseSize(v.Export()); err != nil {
				return nil, fmt.Errorf("bufferLimit: %w", err)
			}
		}
		if v := o.Get("onFail"); !isNullish(v) {
			r, err := rt.replacementArg(v)
			if err != nil {
				return nil, fmt.Errorf("onFail: %w", err)
			}
			opts.OnFail = func(s *pipeline.Stream, end *event.SessionEnd, out pipeline.Target) {
				r.replace(s, end, out)
			}
		}
	}
	return filter.Demux(filter.To(name), opts), nil
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
				if opts.IdleTimeout, err = filter.ParseDuration(v.Export()); err != nil {
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

// targetArg reads an upstream target argument: "host:port", or a function
// (registered as callback id, isFn true) that returns one.
func (rt *jsRuntime) targetArg(t goja.Value) (target string, id int, isFn bool, err error) {
	if id, isFn = rt.register(t); isFn {
		return "", id, true, nil
	}
	target, err = stringArg(t, "target")
	return target, id, false, err
}

// connect(target, options): target is "host:port" or a function returning
// it; options {bufferLimit, retryCount, retryDelay, connectTimeout,
// readTimeout, writeTimeout, idleTimeout, dialAtStart (a sluice extension),
// tls: {cert, key, serverName, insecure, trusted}}; trusted (or ca) replaces
// the system roots.
func bindConnect(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	target, id, isFn, err := rt.targetArg(arg(args, 0))
	if err != nil {
		return nil, err
	}
	opts, err := rt.connectOptions(arg(args, 1))
	if err != nil {
		return nil, err
	}
	if !isFn {
		return filter.Connect(target, opts), nil
	}
	p := rt.p
	return filter.ConnectFunc(func(s *pipeline.Stream) string {
		w := p.runtimeOf(s)
		v := w.call(s, id)
		if isNullish(v) {
			fail(fmt.Errorf("%w: connect: the target function returned %s", ErrBadArgument, v))
		}
		return v.String()
	}, opts), nil
}

func (rt *jsRuntime) connectOptions(v goja.Value) (filter.ConnectOptions, error) {
	var opts filter.ConnectOptions
	o, ok := v.(*goja.Object)
	if !ok {
		return opts, nil
	}
	var err error
	if x := o.Get("bufferLimit"); !isNullish(x) {
		if opts.BufferLimit, err = filter.ParseSize(x.Export()); err != nil {
			return opts, fmt.Errorf("bufferLimit: %w", err)
		}
	}
	if x := o.Get("retryCount"); !isNullish(x) {
		opts.RetryCount = int(x.ToInteger())
	}
	if x := o.Get("dialAtStart"); !isNullish(x) {
		opts.DialAtStart = x.ToBoolean()
	}
	if err := readDurations(o, []durationField{
		{"retryDelay", &opts.RetryDelay},
		{"connectTimeout", &opts.ConnectTimeout},
		{"answerTimeout", &opts.AnswerTimeout},
		{"readTimeout", &opts.ReadTimeout},
		{"writeTimeout", &opts.WriteTimeout},
		{"idleTimeout", &opts.IdleTimeout},
	}); err != nil {
		return opts, err
	}
	// The timeouts with defaults: 0 given in a script turns one off, as
	// listen's do (in Go 0 means the default, negative none).
	for _, f := range []struct {
		name string
		dst  *time.Duration
	}{{"connectTimeout", &opts.ConnectTimeout}, {"answerTimeout", &opts.AnswerTimeout}} {
		if x := o.Get(f.name); !isNullish(x) && *f.dst == 0 {
			*f.dst = -1
		}
	}
	if t, ok := o.Get("tls").(*goja.Object); ok {
		cfg := &tls.Config{}
		if !isNullish(t.Get("cert")) || !isNullish(t.Get("key")) {
			if cfg, err = rt.tlsConfig(t); err != nil {
				return opts, fmt.Errorf("tls: %w", err)
			}
		}
		if x := t.Get("serverName"); !isNullish(x) {
			cfg.ServerName = x.String()
		} else if x := t.Get("sni"); !isNullish(x) {
			cfg.ServerName = x.String()
		}
		if x := t.Get("insecure"); !isNullish(x) {
			cfg.InsecureSkipVerify = x.ToBoolean()
		}
		if cfg.RootCAs, err = rt.trustedPool(t); err != nil {
			return opts, fmt.Errorf("tls: %w", err)
		}
		opts.TLS = cfg
	}
	return opts, nil
}

// tap(quota, account): quota as filter.ParseQuota reads it (a number is
// messages, a string bytes a second), account a name; either may be a
// function, called at each stream's first event. As in Pipy, the account is
// a string (no account is "undefined"), so streams of one tap without an
// account share one budget per worker.
func bindTap(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	q := arg(args, 0)
	if isNullish(q) {
		return nil, fmt.Errorf("%w: no quota", ErrBadArgument)
	}
	var opts filter.TapOptions
	p := rt.p
	if id, ok := rt.register(q); ok {
		opts.QuotaFunc = func(s *pipeline.Stream) filter.Quota {
			w := p.runtimeOf(s)
			quota, err := filter.ParseQuota(w.call(s, id).Export())
			fail(err)
			return quota
		}
	} else {
		var err error
		if opts.Quota, err = filter.ParseQuota(q.Export()); err != nil {
			return nil, err
		}
	}
	a := arg(args, 1)
	if id, ok := rt.register(a); ok {
		opts.AccountFunc = func(s *pipeline.Stream) string {
			w := p.runtimeOf(s)
			return jsString(w.call(s, id))
		}
	} else {
		opts.Account = jsString(a)
	}
	return filter.Tap(opts), nil
}

// jsString is String(v) in JavaScript: "undefined" for undefined.
func jsString(v goja.Value) string {
	if v == nil {
		return "undefined"
	}
	return v.String()
}

// exec(command): a command line (split like a shell's words, no
// expansion), an argv array, or a function returning one of those.
func bindExec(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	v := arg(args, 0)
	if id, ok := rt.register(v); ok {
		p := rt.p
		return filter.ExecFunc(func(s *pipeline.Stream) []string {
			w := p.runtimeOf(s)
			argv, err := argvOf(w.call(s, id))
			fail(err)
			return argv
		}), nil
	}
	argv, err := argvOf(v)
	if err != nil {
		return nil, err
	}
	return filter.Exec(argv...), nil
}

func argvOf(v goja.Value) ([]string, error) {
	if isNullish(v) {
		return nil, fmt.Errorf("%w: no command", ErrBadArgument)
	}
	switch x := v.Export().(type) {
	case string:
		argv := filter.SplitCommand(x)
		if len(argv) == 0 {
			return nil, fmt.Errorf("%w: empty command", ErrBadArgument)
		}
		return argv, nil
	case []any:
		argv := make([]string, len(x))
		for i, a := range x {
			argv[i] = fmt.Sprint(a)
		}
		if len(argv) == 0 {
			return nil, fmt.Errorf("%w: empty command", ErrBadArgument)
		}
		return argv, nil
	}
	return nil, fmt.Errorf("%w: the command must be a string or an array", ErrBadArgument)
}

// --- codecs and debugging -----------------------------------------------------

// headArg reads an encoder's head argument, which replaces each message's
// head as in Pipy: nothing, an object (exported at load; the filter copies
// it for each message) or a function returning one, called at each message.
func (rt *jsRuntime) headArg(v goja.Value) (static any, fn func(*pipeline.Stream) any, err error) {
	if isNullish(v) {
		return nil, nil, nil
	}
	if id, ok := rt.register(v); ok {
		p := rt.p
		return nil, func(s *pipeline.Stream) any {
			w := p.runtimeOf(s)
			h, err := w.headToGo(w.call(s, id))
			fail(err)
			return h
		}, nil
	}
	h, err := rt.headToGo(v)
	return h, nil, err
}

func bindEncodeDubbo(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	static, fn, err := rt.headArg(arg(args, 0))
	if err != nil {
		return nil, err
	}
	if fn != nil {
		return dubbo.Encode(fn), nil
	}
	return dubbo.Encode(static), nil
}

// dump(tag): tag is a string, or a function called at each event, whose
// result is the tag.
func bindDump(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	v := arg(args, 0)
	if id, ok := rt.register(v); ok {
		p := rt.p
		return filter.DumpFunc(nil, func(s *pipeline.Stream) string {
			w := p.runtimeOf(s)
			t := w.call(s, id)
			if isNullish(t) {
				return ""
			}
			return t.String()
		}), nil
	}
	tag := ""
	if !isNullish(v) {
		tag = v.String()
	}
	return filter.Dump(tag), nil
}

func bindEncodeHTTPRequest(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	static, fn, err := rt.headArg(arg(args, 0))
	if err != nil {
		return nil, err
	}
	if fn != nil {
		return http1.EncodeRequest(fn), nil
	}
	return http1.EncodeRequest(static), nil
}

func bindEncodeHTTPResponse(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	static, fn, err := rt.headArg(arg(args, 0))
	if err != nil {
		return nil, err
	}
	if fn != nil {
		return http1.EncodeResponse(fn), nil
	}
	return http1.EncodeResponse(static), nil
}
