package pipelinetest

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// Harness runs one stream of a pipeline in-process, the way Netty's
// EmbeddedChannel runs a channel: the test pushes events in, reads the events
// that come out, and moves a manual clock. The harness goroutine is the
// worker: tasks posted by goroutines the filters start (dials, processes,
// Async handlers) run when the test calls Input, Run, Advance or Wait. Nothing
// sleeps.
//
// At cleanup the harness closes the stream and fails the test if the output
// broke the event grammar (see CheckGrammar).
type Harness struct {
	T       testing.TB
	Worker  *pipeline.Worker
	Clock   *Clock
	Context *pipeline.Context
	Stream  *pipeline.Stream

	out        []event.Event
	allowBad   bool
	deadline   time.Duration
	outputSeen int
}

// Option configures a Harness.
type Option func(*Harness)

// WithoutGrammarCheck lets the output break the event grammar (for filters
// that produce fragments on purpose).
func WithoutGrammarCheck() Option { return func(h *Harness) { h.allowBad = true } }

// WithSetup runs f once the harness has its worker, clock and context and
// before the stream starts: to set context values or addresses.
func WithSetup(f func(h *Harness)) Option { return func(h *Harness) { f(h) } }

// WithWaitLimit sets how long Wait waits for work from goroutines before it
// fails the test (default 10s).
func WithWaitLimit(d time.Duration) Option { return func(h *Harness) { h.deadline = d } }

// New starts a stream of p in a harness. The logger writes to the test's log.
func New(t testing.TB, p *pipeline.Pipeline, opts ...Option) *Harness {
	t.Helper()
	h := &Harness{T: t, Clock: NewClock(), deadline: 10 * time.Second}
	h.Worker = pipeline.NewWorker(pipeline.WorkerOptions{Clock: h.Clock, Logger: TestLogger(t)})
	h.Context = pipeline.NewContext(h.Worker)
	for _, o := range opts {
		o(h)
	}
	h.Stream = pipeline.NewStream(p, h.Context, pipeline.TargetFunc(func(evt event.Event) {
		h.out = append(h.out, evt)
	}))
	t.Cleanup(h.cleanup)
	h.Run()
	return h
}

// Of starts a harness over a pipeline made of filters.
func Of(t testing.TB, filters ...pipeline.Filter) *Harness {
	t.Helper()
	return New(t, pipeline.New("test", filters...))
}

// TestLogger returns a logger that writes to t.Log.
func TestLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func (h *Harness) cleanup() {
	h.Stream.Close()
	h.Worker.RunPending()
	if h.allowBad {
		return
	}
	if err := CheckGrammar(h.out); err != nil {
		h.T.Errorf("pipelinetest: output breaks the event grammar: %v\noutput: %s", err, Dump(h.out))
	}
}

// Input feeds events to the stream, then runs what they posted to the worker:
// the events given in one call make one batch of the worker, as the bytes of
// one read do (see pipeline.Worker.FlushLater).
func (h *Harness) Input(evts ...event.Event) *Harness {
	for _, e := range evts {
		h.Stream.Input(e)
	}
	h.Run()
	return h
}

// InputString feeds s as one Data event.
func (h *Harness) InputString(s string) *Harness { return h.Input(event.FromString(s)) }

// InputBytes feeds b as one Data event (copied).
func (h *Harness) InputBytes(b []byte) *Harness {
	d := event.NewData()
	d.Push(b)
	return h.Input(d)
}

// InputMessage feeds a whole message: MessageStart, body, MessageEnd.
func (h *Harness) InputMessage(head any, body string) *Harness {
	return h.Input(Message(head, body)...)
}

// End feeds a SessionEnd with no error.
func (h *Harness) End() *Harness { return h.Input(&event.SessionEnd{}) }

// Run runs every task queued on the worker, and those they queue, until
// none is left, and returns the harness. A stream reading a connection that
// never stops sending keeps the worker busy: wait for what you expect with
// Wait instead.
func (h *Harness) Run() *Harness {
	h.Worker.RunPending()
	return h
}

// Advance moves the manual clock forward by d, firing due timers in time
// order. Before the clock moves, and after each timer fires, it runs
// everything already posted to the worker and reads what the worker's
// sockets already have (Worker.RunReady): an answer a real upstream has
// written before the call is handled before a timeout that the move fires.
// (On Linux, where the worker polls its sockets; elsewhere a socket's reader
// goroutine posts what it read as soon as it can, and a test that needs it
// first waits for it with Wait.) What goroutines post later is not waited
// for: Advance does not sleep.
func (h *Harness) Advance(d time.Duration) *Harness {
	h.settle()
	h.Clock.Advance(d, h.settle)
	h.settle()
	return h
}

// settle runs the worker until nothing posted or readable is left, bounded
// by the wait limit (a connection that never stops sending).
func (h *Harness) settle() {
	ctx, cancel := context.WithTimeout(context.Background(), h.deadline)
	defer cancel()
	h.Worker.RunReady(ctx)
}

// pollEvery bounds how long Wait leaves its condition unchecked while the
// worker is idle.
const pollEvery = 10 * time.Millisecond

// Wait runs the worker's tasks as they come, until cond is true; it fails
// the test when cond is still false after the wait limit (10s unless set).
// Use it when filters wait on real goroutines (processes, sockets). cond is
// checked after every batch of tasks, so Wait also returns while a
// connection keeps sending (a worker reading a socket that is always
// readable is never idle), and, while the worker is idle, every few
// milliseconds, as require.Eventually does: a condition that a goroutine
// makes true without posting to the worker (a fake upstream recording what
// it got) is seen too. cond runs on the test goroutine, between tasks, so
// it may read the stream's state; state other goroutines write needs their
// synchronization (an atomic, a mutex).
func (h *Harness) Wait(cond func() bool) *Harness {
	h.T.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), h.deadline)
	defer cancel()
	tick := time.Millisecond
	for {
		n := h.Worker.RunBatch()
		if cond() {
			return h
		}
		if ctx.Err() != nil {
			h.T.Fatalf("pipelinetest: condition not met within %v; output so far: %s", h.deadline, Dump(h.out))
			return h
		}
		if n > 0 {
			tick = time.Millisecond
			continue
		}
		idle, stop := context.WithTimeout(ctx, tick)
		h.Worker.WaitPending(idle)
		stop()
		tick = min(2*tick, pollEvery)
	}
}

// WaitEnd waits until a SessionEnd has come out, and returns it.
func (h *Harness) WaitEnd() *event.SessionEnd {
	h.T.Helper()
	h.Wait(func() bool { return h.SessionEnd() != nil })
	return h.SessionEnd()
}

// Output returns every event that came out so far.
func (h *Harness) Output() []event.Event { return h.out }

// Take returns the events that came out since the last Take, and forgets them
// for the next Take.
func (h *Harness) Take() []event.Event {
	evts := h.out[h.outputSeen:]
	h.outputSeen = len(h.out)
	return evts
}

// OutputString returns the bytes of every Data event that came out, joined.
func (h *Harness) OutputString() string { return DataString(h.out) }

// Messages returns the complete messages that came out, in order.
func (h *Harness) Messages() []*event.Message { return Messages(h.out) }

// SessionEnd returns the SessionEnd that came out, or nil.
func (h *Harness) SessionEnd() *event.SessionEnd {
	for _, e := range h.out {
		if se, ok := e.(*event.SessionEnd); ok {
			return se
		}
	}
	return nil
}

// Ended reports whether the stream has ended.
func (h *Harness) Ended() bool { return h.Stream.Ended() }

// Message returns the events of a whole message with head and body.
func Message(head any, body string) []event.Event {
	evts := []event.Event{&event.MessageStart{Head: head}}
	if body != "" {
		evts = append(evts, event.FromString(body))
	}
	return append(evts, &event.MessageEnd{})
}

// DataString returns the bytes of every Data event in evts, joined.
func DataString(evts []event.Event) string {
	var b strings.Builder
	for _, e := range evts {
		if d, ok := e.(*event.Data); ok {
			b.WriteString(d.String())
		}
	}
	return b.String()
}

// Messages collects the complete messages in evts, in order, with an
// event.MessageReader of no size bound; Data outside messages is ignored.
func Messages(evts []event.Event) []*event.Message {
	var out []*event.Message
	r := event.MessageReader{MaxBodySize: -1}
	for _, e := range evts {
		if msg, _ := r.Read(e); msg != nil {
			out = append(out, msg)
		}
	}
	return out
}

// CheckGrammar returns an error when evts is not a prefix of a well-formed
// stream, (MessageStart Data* MessageEnd | Data)* SessionEnd, or has events
// after its SessionEnd.
func CheckGrammar(evts []event.Event) error {
	inMsg, ended := false, false
	for i, e := range evts {
		if ended {
			return fmt.Errorf("event %d (%s) after SessionEnd", i, Describe(e))
		}
		switch e.(type) {
		case *event.MessageStart:
			if inMsg {
				return fmt.Errorf("event %d: MessageStart inside a message", i)
			}
			inMsg = true
		case *event.MessageEnd:
			if !inMsg {
				return fmt.Errorf("event %d: MessageEnd outside a message", i)
			}
			inMsg = false
		case *event.SessionEnd:
			ended = true
		}
	}
	return nil
}

// Describe returns a short text for one event: D"bytes" (quoted, shortened),
// MS<head>, ME, SE<error>.
func Describe(e event.Event) string {
	switch e := e.(type) {
	case *event.Data:
		s := e.String()
		if len(s) > 64 {
			s = s[:61] + "..."
		}
		return fmt.Sprintf("D%q", s)
	case *event.MessageStart:
		if e.Head == nil {
			return "MS"
		}
		return fmt.Sprintf("MS%v", e.Head)
	case *event.MessageEnd:
		return "ME"
	case *event.SessionEnd:
		if e.Err == event.NoError {
			return "SE"
		}
		return fmt.Sprintf("SE(%s: %s)", e.Err, e.Message)
	}
	return fmt.Sprintf("%T", e)
}

// Dump describes events in one line, separated by spaces.
func Dump(evts []event.Event) string {
	parts := make([]string, len(evts))
	for i, e := range evts {
		parts[i] = Describe(e)
	}
	return strings.Join(parts, " ")
}

// Splits returns every way to cut b into two pieces (each offset), plus b
// whole and b one byte at a time: the feedings an incremental parser must
// treat alike.
func Splits(b []byte) [][][]byte {
	out := [][][]byte{{b}}
	for i := 1; i < len(b); i++ {
		out = append(out, [][]byte{b[:i], b[i:]})
	}
	if len(b) > 1 {
		one := make([][]byte, len(b))
		for i := range b {
			one[i] = b[i : i+1]
		}
		out = append(out, one)
	}
	return out
}
