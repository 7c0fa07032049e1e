package filter

import (
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// Wait returns a filter that holds events back until a condition is true,
// then lets them all through (Pipy's wait).
//
// Every event, of any kind, is buffered while cond is false; cond is tried on
// each event and again on every Notify of the stream's context (see
// pipeline.Context.Watch: the worker notifies after each event it delivers
// from outside, and code that changes what cond reads calls Notify). Once
// cond is true, the buffered events are passed on in order, and every later
// event goes straight through: cond is not called again. A SessionEnd that
// arrives while events are held is held with them, and so is the stream,
// until cond is true.
//
// Wait panics if cond is nil.
func Wait(cond func(s *pipeline.Stream) bool) pipeline.Filter {
	if cond == nil {
		panic("filter: wait: nil condition")
	}
	return &wait{cond: cond}
}

var waitInfo = pipeline.Info{
	Name:     "wait",
	Synopsis: "(condition)",
	Summary:  "Holds events back until a condition is true",
	Params: []pipeline.Param{
		{Name: "condition", Type: "function", Doc: "Returns true when events may go on; checked on every event and when the context is notified"},
	},
}

type wait struct {
	cond func(*pipeline.Stream) bool
}

func (*wait) Info() pipeline.Info { return waitInfo }

func (f *wait) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	return &waitInst{f: f, s: s, next: next}
}

// waitInst is the per-stream instance.
type waitInst struct {
	f        *wait
	s        *pipeline.Stream
	next     pipeline.Target
	open     bool
	buf      []event.Event
	cancel   func() // stops watching the context
	held     bool   // a SessionEnd is buffered and the stream held
	flushing bool
}

func (w *waitInst) Input(evt event.Event) {
	if w.s.Ended() {
		return
	}
	if w.open && !w.flushing {
		w.next.Input(evt)
		return
	}
	w.buf = append(w.buf, evt)
	if w.open {
		return // the flush under way passes it on in its turn
	}
	if _, ok := evt.(*event.SessionEnd); ok && !w.held {
		w.held = true
		w.s.Hold()
	}
	w.check()
}

// check tries the condition and opens when it holds; it runs on events and,
// through the context watcher, on Notify.
func (w *waitInst) check() {
	if w.open || w.s.Ended() {
		return
	}
	ok, alive := w.call()
	if !alive {
		return
	}
	if !ok {
		if w.cancel == nil {
			w.cancel = w.s.Context().Watch(w.check)
			w.s.OnClose(w.stopWatching)
		}
		return
	}
	w.open = true
	w.stopWatching()
	w.flush()
}

func (w *waitInst) call() (ok, alive bool) {
	defer w.s.Catch("wait", &alive)
	return w.f.cond(w.s), true
}

// flush passes the buffered events on, and whatever arrives meanwhile.
func (w *waitInst) flush() {
	w.flushing = true
	for len(w.buf) > 0 && !w.s.Ended() {
		e := w.buf[0]
		w.buf[0] = nil
		w.buf = w.buf[1:]
		forward(w.s, "wait", w.next, e)
	}
	w.buf, w.flushing = nil, false
	if w.held {
		w.held = false
		w.s.Release()
	}
}

func (w *waitInst) stopWatching() {
	if w.cancel != nil {
		w.cancel()
	}
}
