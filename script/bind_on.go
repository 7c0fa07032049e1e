package script

import (
	"github.com/dop251/goja"
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
)

// The observers' bindings: the first argument is the callback, the second
// the MessageOptions of the filters that collect whole messages; the
// callback gets what toJS makes of the event, body or message.
func bindOnSessionStart(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	return bindObserver(rt, args, noOptions(filter.OnSessionStart), (*jsRuntime).eventToJS)
}

func bindOnData(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	return bindObserver(rt, args, noOptions(filter.OnData), func(w *jsRuntime, d *event.Data) goja.Value { return w.NewData(d.Clone()) })
}

func bindOnMessageStart(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	return bindObserver(rt, args, noOptions(filter.OnMessageStart), eventToJS[*event.MessageStart])
}

func bindOnMessageEnd(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	return bindObserver(rt, args, noOptions(filter.OnMessageEnd), eventToJS[*event.MessageEnd])
}

func bindOnSessionEnd(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	return bindObserver(rt, args, noOptions(filter.OnSessionEnd), eventToJS[*event.SessionEnd])
}

func bindOnMessageBody(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	return bindObserver(rt, args, withOptions(filter.OnMessageBody), (*jsRuntime).NewData)
}

func bindOnMessage(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	return bindObserver(rt, args, withOptions(filter.OnMessage), (*jsRuntime).NewMessage)
}

// observerFilter makes an observer filter from its callback and, when
// options is set, MessageOptions.
type observerFilter[V any] struct {
	options bool
	make    func(fn func(*pipeline.Stream, V), opts filter.MessageOptions) pipeline.Filter
}

func noOptions[V any](f func(func(*pipeline.Stream, V)) pipeline.Filter) observerFilter[V] {
	return observerFilter[V]{make: func(fn func(*pipeline.Stream, V), _ filter.MessageOptions) pipeline.Filter { return f(fn) }}
}

func withOptions[V any](f func(func(*pipeline.Stream, V), ...filter.MessageOptions) pipeline.Filter) observerFilter[V] {
	return observerFilter[V]{options: true, make: func(fn func(*pipeline.Stream, V), opts filter.MessageOptions) pipeline.Filter { return f(fn, opts) }}
}

func eventToJS[E event.Event](w *jsRuntime, e E) goja.Value { return w.eventToJS(e) }

// bindObserver binds an observer filter: the callback (args[0]) is called
// with what toJS makes of each V the filter observes.
func bindObserver[V any](rt *jsRuntime, args []goja.Value, f observerFilter[V], toJS func(*jsRuntime, V) goja.Value) (pipeline.Filter, error) {
	id, err := rt.callbackArg(arg(args, 0), "the callback")
	if err != nil {
		return nil, err
	}
	var opts filter.MessageOptions
	if f.options {
		if opts, err = messageOptionsArg(arg(args, 1)); err != nil {
			return nil, err
		}
	}
	p := rt.p
	return f.make(func(s *pipeline.Stream, v V) {
		w := p.runtimeOf(s)
		w.call(s, id, toJS(w, v))
	}, opts), nil
}

// --- replacements -----------------------------------------------------------
