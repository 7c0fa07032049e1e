package script

import (
	"github.com/dop251/goja"
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
)

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
