package script

import (
	"fmt"

	"github.com/dop251/goja"
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
)

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
	replaceAs(r, s, evt, out, (*jsRuntime).eventToJS)
}

// replaceAs writes the replacement for v to out: the static events, or what
// the callback returns when given toJS's value of v.
func replaceAs[V any](r *replacer, s *pipeline.Stream, v V, out pipeline.Target, toJS func(*jsRuntime, V) goja.Value) {
	if r.id < 0 {
		emitStatic(r.static, out)
		return
	}
	w := r.p.runtimeOf(s)
	fail(w.emit(w.call(s, r.id, toJS(w, v)), out))
}

// bindReplacer binds a filter replacing single events: its argument is the
// replacement, static or a callback given toJS's value of each event.
func bindReplacer[V any](rt *jsRuntime, args []goja.Value, newFilter func(func(*pipeline.Stream, V, pipeline.Target)) pipeline.Filter, toJS func(*jsRuntime, V) goja.Value) (pipeline.Filter, error) {
	r, err := rt.replacementArg(arg(args, 0))
	if err != nil {
		return nil, err
	}
	return newFilter(func(s *pipeline.Stream, v V, out pipeline.Target) { replaceAs(&r, s, v, out, toJS) }), nil
}

func bindReplaceSessionStart(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	return bindReplacer(rt, args, filter.ReplaceSessionStart, (*jsRuntime).eventToJS)
}

func bindReplaceData(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	return bindReplacer(rt, args, filter.ReplaceData, (*jsRuntime).NewData)
}

func bindReplaceMessageStart(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	return bindReplacer(rt, args, filter.ReplaceMessageStart, eventToJS[*event.MessageStart])
}

func bindReplaceMessageEnd(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	return bindReplacer(rt, args, filter.ReplaceMessageEnd, eventToJS[*event.MessageEnd])
}

func bindReplaceSessionEnd(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	return bindReplacer(rt, args, filter.ReplaceSessionEnd, eventToJS[*event.SessionEnd])
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
	opts.HeadOnly = r.id < 0 // a static replacement does not look at the message
	return filter.ReplaceMessage(func(s *pipeline.Stream, msg *event.Message, out pipeline.Target) {
		replaceAs(&r, s, msg, out, (*jsRuntime).NewMessage)
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
