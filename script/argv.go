package script

import (
	"fmt"

	"github.com/dop251/goja"
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// The arguments of use(module, pipeline, argv...) as the used pipeline sees
// them in __argv. Its streams run in another module's runtime than the
// caller's callbacks (one runtime per program and worker), so the values
// cross runtimes: plain data is copied, Data is shared, and a function
// becomes a function of the used runtime that calls the caller's function
// on the same worker, in the running stream's context (which use shares with
// the caller), converting its arguments and result the same way. That is
// how Pipy's reverse-proxy recipe hands its configuration callback to
// modules/config.js.

// argvFunc is a function given to use() among its arguments: callback id of
// program p, the module that called use.
type argvFunc struct {
	p  *program
	id int
}

// argvToJS returns __argv for a stream whose Data is x.
func (rt *jsRuntime) argvToJS(x any) goja.Value {
	argv, ok := x.([]any)
	if !ok {
		return rt.toJS(x)
	}
	vals := make([]any, len(argv))
	for i, e := range argv {
		switch v := e.(type) {
		case *argvFunc:
			vals[i] = rt.proxy(func(s *pipeline.Stream) *jsRuntime { return v.p.runtimeOf(s) },
				func(from *jsRuntime, s *pipeline.Stream, args []goja.Value) (goja.Value, error) {
					return from.callValue(s, from.fns[v.id], args...)
				})
		case *jsValue:
			vals[i] = rt.adopt(v.rt, v.v)
		default:
			vals[i] = rt.toJS(e)
		}
	}
	return rt.vm.NewArray(vals...)
}

// adopt converts v, a value of runtime from on the same worker, into a value
// of rt: primitives and plain data are copied, Data and events are shared, a
// message gets a new object over the same head and body, a function is
// wrapped (see proxy).
func (rt *jsRuntime) adopt(from *jsRuntime, v goja.Value) goja.Value {
	if from == rt || v == nil || isNullish(v) {
		return v
	}
	if fn, ok := goja.AssertFunction(v); ok {
		return rt.proxy(func(*pipeline.Stream) *jsRuntime { return from },
			func(from *jsRuntime, s *pipeline.Stream, args []goja.Value) (goja.Value, error) {
				return from.callValue(s, fn, args...)
			})
	}
	if o, ok := v.(*goja.Object); ok {
		switch x := o.Export().(type) {
		case *jsData:
			return rt.NewData(x.d)
		case *jsMessage:
			head := x.head
			if x.headJS != nil {
				if h, err := from.headToGo(x.headJS); err == nil {
					head = h
				}
			}
			return rt.NewMessage(&event.Message{Head: head, Body: x.body, Tail: x.tail})
		case *jsMessageStart:
			return rt.eventToJS(x.ev)
		case *jsMessageEnd:
			return rt.eventToJS(x.ev)
		case *jsSessionEnd:
			return rt.eventToJS(x.ev)
		}
	}
	return rt.toJS(normalize(v.Export()))
}

// proxy returns a function of rt that calls a function of another runtime
// (found for the running stream by owner) with the running stream, its
// arguments adopted by that runtime, and adopts the result back. An
// exception in the callee is thrown in rt.
func (rt *jsRuntime) proxy(owner func(*pipeline.Stream) *jsRuntime, call func(from *jsRuntime, s *pipeline.Stream, args []goja.Value) (goja.Value, error)) goja.Value {
	return rt.vm.ToValue(func(c goja.FunctionCall) goja.Value {
		s := rt.cur
		if s == nil {
			rt.throw(fmt.Errorf("%w: a function of another module can be called only while a stream runs", ErrNotOnWorker))
		}
		from := owner(s)
		args := make([]goja.Value, len(c.Arguments))
		for i, a := range c.Arguments {
			args[i] = from.adopt(rt, a)
		}
		res, err := call(from, s, args)
		if err != nil {
			rt.throw(err)
		}
		return rt.adopt(from, res)
	})
}
