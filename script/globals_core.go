package script

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"

	"github.com/dop251/goja"
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// installCore installs what the bridge itself owns: pipy, the event classes,
// Session, JSON.encode/decode, console, and the special variables
// __filename, __inbound and __argv.
func (rt *jsRuntime) installCore() error {
	vm := rt.vm
	if err := rt.installClasses(); err != nil {
		return err
	}
	if err := vm.Set("pipy", rt.pipy); err != nil {
		return err
	}
	if err := vm.Set("repeat", rt.repeat); err != nil {
		return err
	}
	if err := rt.installSession(); err != nil {
		return err
	}
	if err := rt.installJSON(); err != nil {
		return err
	}
	if err := rt.installConsole(); err != nil {
		return err
	}
	if err := vm.Set("__filename", rt.p.filename); err != nil {
		return err
	}
	global := vm.GlobalObject()
	getter := func(f func() goja.Value) goja.Value {
		return vm.ToValue(func(goja.FunctionCall) goja.Value { return f() })
	}
	if err := global.DefineAccessorProperty("__inbound", getter(rt.inbound), nil, goja.FLAG_FALSE, goja.FLAG_FALSE); err != nil {
		return err
	}
	// __argv is null outside a stream that use() started with arguments,
	// as in Pipy.
	return global.DefineAccessorProperty("__argv", getter(func() goja.Value {
		if rt.cur == nil {
			return goja.Null()
		}
		if argv, ok := rt.cur.Value().([]any); ok && argv != nil {
			return rt.argvToJS(argv)
		}
		return goja.Null()
	}), nil, goja.FLAG_FALSE, goja.FLAG_FALSE)
}

// repeat is Pipy's global repeat([count,] fn): it calls fn(0), fn(1), …
// until fn returns a falsy value or, with a count, count times, and returns
// what the last call returned (undefined when there was none).
func (rt *jsRuntime) repeat(c goja.FunctionCall) goja.Value {
	count, f := int64(-1), c.Argument(0)
	if _, ok := goja.AssertFunction(f); !ok && len(c.Arguments) > 1 {
		count, f = c.Argument(0).ToInteger(), c.Argument(1)
	}
	fn, ok := goja.AssertFunction(f)
	if !ok {
		panic(rt.vm.NewTypeError("repeat: expected a function"))
	}
	ret := goja.Undefined()
	for i := int64(0); count < 0 || i < count; i++ {
		v, err := fn(goja.Undefined(), rt.vm.ToValue(i))
		if err != nil {
			panic(err)
		}
		ret = v
		if !v.ToBoolean() {
			break
		}
	}
	return ret
}

// installJSON adds JSON.encode(value) → Data and JSON.decode(Data) → value
// to the built-in JSON.
func (rt *jsRuntime) installJSON() error {
	vm := rt.vm
	json, ok := vm.Get("JSON").(*goja.Object)
	if !ok {
		return fmt.Errorf("no JSON object")
	}
	rt.jsonStringify, _ = goja.AssertFunction(json.Get("stringify"))
	rt.jsonParse, _ = goja.AssertFunction(json.Get("parse"))
	if rt.jsonStringify == nil || rt.jsonParse == nil {
		return fmt.Errorf("no JSON.stringify or JSON.parse")
	}
	json.Set("encode", func(c goja.FunctionCall) goja.Value {
		v, err := rt.jsonStringify(goja.Undefined(), c.Arguments...)
		if err != nil {
			panic(err)
		}
		if isNullish(v) {
			return goja.Undefined() // Pipy: JSON.encode(undefined) is undefined
		}
		return rt.NewData(event.FromString(v.String()))
	})
	// As in Pipy, input that is not JSON parses to undefined instead of
	// throwing a SyntaxError, and so does a Data that is not there.
	json.Set("parse", func(c goja.FunctionCall) goja.Value {
		return rt.parseJSON(c.Argument(0), c.Arguments[min(1, len(c.Arguments)):]...)
	})
	json.Set("decode", func(c goja.FunctionCall) goja.Value {
		if isNullish(c.Argument(0)) {
			return goja.Undefined()
		}
		d, ok := rt.DataOf(c.Argument(0))
		if !ok {
			rt.throwf("JSON.decode: the argument must be Data or a string")
		}
		return rt.parseJSON(vm.ToValue(d.String()), c.Arguments[min(1, len(c.Arguments)):]...)
	})
	return nil
}

// parseJSON is the standard JSON.parse, except that a syntax error gives
// undefined.
func (rt *jsRuntime) parseJSON(text goja.Value, reviver ...goja.Value) goja.Value {
	v, err := rt.jsonParse(goja.Undefined(), append([]goja.Value{text}, reviver...)...)
	if err != nil {
		var ex *goja.Exception
		if errors.As(err, &ex) {
			if o, ok := ex.Value().(*goja.Object); ok && o.Get("name") != nil && o.Get("name").String() == "SyntaxError" {
				return goja.Undefined()
			}
		}
		panic(err)
	}
	return v
}

// installConsole adds console.log (and info, debug, warn, error), which log
// their arguments, separated by spaces, with the calling script position.
func (rt *jsRuntime) installConsole() error {
	console := rt.vm.NewObject()
	logAt := func(level string) func(goja.FunctionCall) goja.Value {
		return func(c goja.FunctionCall) goja.Value {
			msg := rt.format(c.Arguments)
			at := rt.position()
			switch level {
			case "debug":
				rt.logger.Debug(msg, "at", at)
			case "warn":
				rt.logger.Warn(msg, "at", at)
			case "error":
				rt.logger.Error(msg, "at", at)
			default:
				rt.logger.Info(msg, "at", at)
			}
			return goja.Undefined()
		}
	}
	for _, l := range []string{"log", "info", "debug", "warn", "error"} {
		console.Set(l, logAt(l))
	}
	return rt.vm.Set("console", console)
}

// format joins console arguments: strings as they are, Data as its text,
// other objects as JSON when they have a JSON form.
func (rt *jsRuntime) format(args []goja.Value) string {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(rt.formatOne(a))
	}
	return b.String()
}

func (rt *jsRuntime) formatOne(a goja.Value) string {
	o, ok := a.(*goja.Object)
	if !ok {
		return a.String()
	}
	if _, isFn := goja.AssertFunction(o); isFn {
		return a.String()
	}
	switch x := o.Export().(type) {
	case *jsData:
		return x.d.String()
	case error:
		return a.String()
	}
	if s, err := rt.jsonStringify(goja.Undefined(), a); err == nil && !isNullish(s) {
		return s.String()
	}
	return a.String()
}

// position returns "file:line:col" of the innermost script frame calling
// into Go.
func (rt *jsRuntime) position() string {
	for _, f := range rt.vm.CaptureCallStack(8, nil) {
		p := f.Position()
		if p.Line > 0 {
			name := p.Filename
			if name == "" {
				name = rt.p.name
			}
			return fmt.Sprintf("%s:%d:%d", name, p.Line, p.Column)
		}
	}
	return rt.p.name
}

// jsSession is a Session object: new Session(pipeline) or
// new Session(module, pipeline); input(events) starts, on the first call, a
// stream of that pipeline on the current worker, in the context of the
// callback that calls it (as Pipy does: the session shares the caller's
// variables and connection; a fresh context outside any stream), with its
// output discarded, and feeds it the events. done is true once the stream
// has output its SessionEnd; remoteAddress, remotePort, localAddress and
// localPort are the connection's ("" and 0 without one).
type jsSession struct {
	rt           *jsRuntime
	module, name string
	st           *pipeline.Stream
	ctx          *pipeline.Context
	done         bool
}

var sessionKeys = []string{"done", "remoteAddress", "remotePort", "localAddress", "localPort"}

func (o *jsSession) Get(k string) goja.Value {
	vm := o.rt.vm
	var a net.Addr
	if o.ctx != nil {
		switch k {
		case "remoteAddress", "remotePort":
			a = o.ctx.RemoteAddr
		case "localAddress", "localPort":
			a = o.ctx.LocalAddr
		}
	}
	host, port := splitAddr(a)
	switch k {
	case "done":
		return vm.ToValue(o.done)
	case "remoteAddress", "localAddress":
		return vm.ToValue(host)
	case "remotePort", "localPort":
		return vm.ToValue(port)
	}
	return nil
}
func (o *jsSession) Set(string, goja.Value) bool { return false }
func (o *jsSession) Has(k string) bool           { return slices.Contains(sessionKeys, k) }
func (o *jsSession) Delete(string) bool          { return false }
func (o *jsSession) Keys() []string              { return sessionKeys }

func (rt *jsRuntime) installSession() error {
	ctor := rt.vm.ToValue(func(c goja.ConstructorCall) *goja.Object {
		s := &jsSession{rt: rt}
		if rt.cur != nil {
			s.ctx = rt.cur.Context()
		}
		switch {
		case len(c.Arguments) >= 2 && !isNullish(c.Argument(1)):
			if m := c.Argument(0); !isNullish(m) {
				s.module = m.String()
			}
			s.name = c.Argument(1).String()
		case len(c.Arguments) >= 1:
			s.name = c.Argument(0).String()
		default:
			rt.throwf("Session: no pipeline named")
		}
		return rt.wrap(s, rt.sessionProto)
	}).(*goja.Object)
	if err := rt.vm.Set("Session", ctor); err != nil {
		return err
	}
	rt.sessionProto = ctor.Get("prototype").(*goja.Object)
	rt.sessionProto.Set("input", func(c goja.FunctionCall) goja.Value {
		o, _ := c.This.(*goja.Object)
		var s *jsSession
		if o != nil {
			s, _ = o.Export().(*jsSession)
		}
		if s == nil {
			panic(rt.vm.NewTypeError("Session.prototype.input called on something that is not a Session"))
		}
		if s.st == nil {
			p, err := rt.sessionPipeline(s.module, s.name)
			if err != nil {
				rt.throw(err)
			}
			if s.ctx == nil {
				s.ctx = pipeline.NewContext(rt.w)
			}
			s.st = pipeline.NewStream(p, s.ctx, pipeline.TargetFunc(func(e event.Event) {
				if _, end := e.(*event.SessionEnd); end {
					s.done = true
				}
			}))
		}
		if err := rt.emit(c.Argument(0), s.st); err != nil {
			rt.throw(err)
		}
		return c.This
	})
	return nil
}

func (rt *jsRuntime) sessionPipeline(module, name string) (*pipeline.Pipeline, error) {
	if rt.w == nil {
		return nil, fmt.Errorf("%w: Session.input while the script is loaded", ErrNotOnWorker)
	}
	m := rt.p.module
	if module != "" && module != m.Name && module != rt.p.filename {
		other, err := rt.p.modules(module)
		if err != nil {
			return nil, err
		}
		m = other
	}
	p := m.Find(name)
	if p == nil {
		return nil, fmt.Errorf("%w %q in %s", pipeline.ErrUnknownPipeline, name, m.Name)
	}
	return p, nil
}
