package pipeline

import "github.com/sluice-go/sluice/event"

// taskRunner runs a Task pipeline on one worker: right away, then at every
// interval, each time in a fresh context fed one empty message. A run whose
// stream has not ended yet is not started twice.
type taskRunner struct {
	p       *Pipeline
	w       *Worker
	st      *Stream
	running bool
	stopped bool
	timer   Timer
}

// StartTask starts running task pipeline p on worker w; it returns a function
// that stops it (further runs are not started, a running one is closed).
// The returned function is safe to call from any goroutine.
func StartTask(p *Pipeline, w *Worker) (stop func()) {
	t := &taskRunner{p: p, w: w}
	w.Post(t.tick)
	return func() { w.Post(t.stop) }
}

func (t *taskRunner) tick() {
	if t.stopped {
		return
	}
	if !t.running {
		t.running = true
		ctx := NewContext(t.w)
		t.st = NewStream(t.p, ctx, TargetFunc(func(evt event.Event) {
			if _, ok := evt.(*event.SessionEnd); ok {
				t.running = false
			}
		}))
		t.st.Input(&event.MessageStart{})
		t.st.Input(&event.MessageEnd{})
		t.st.Input(&event.SessionEnd{})
	}
	if t.p.Interval > 0 {
		t.timer = t.w.AfterFunc(t.p.Interval, t.tick)
	}
}

func (t *taskRunner) stop() {
	t.stopped = true
	if t.timer != nil {
		t.timer.Stop()
	}
	if t.st != nil {
		t.st.Close()
	}
}
