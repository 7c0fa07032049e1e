package filter

import (
	"context"
	"fmt"
	"net/http"
	"runtime/debug"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// Handler answers one whole message, off the worker: it may block (a
// database call, an RPC). It owns req; its answer is passed on as a whole
// message, and a nil answer with a nil error answers nothing. ctx is
// cancelled when the stream ends or is closed (the client left); a handler
// that blocks should watch it.
type Handler func(ctx context.Context, req *event.Message) (*event.Message, error)

// Async returns a filter that answers each whole message with h, called on a
// goroutine of its own so that blocking work does not stall the worker and
// the other connections on it (a Go-only filter: scripts have no form of
// it). At most one AsyncOptions may be given. Async panics if h is nil.
//
// A message's events are held until its MessageEnd; then h runs with the
// complete message (Body empty, not nil, when there was none). Answers come
// out in the order of their requests, whatever order the calls finish in;
// Data outside messages keeps its place in that order. At most
// AsyncOptions.Concurrency calls of this filter run at once per worker; the
// others wait, in arrival order.
//
// An error becomes an answer: the error's own when it implements Answerer
// (StatusError does), or else a 500 with a short text body (the error is
// logged at debug level, not shown to the client). A panic in h is caught,
// logged at warn level with its stack, and answered with a 500.
//
// A SessionEnd without an error is passed on once every pending answer has
// come out (the stream is held until then). A SessionEnd with an error is
// passed on at once. When the stream ends or is closed, the contexts of the
// calls still running are cancelled and their answers dropped. A message in
// progress when a SessionEnd arrives is dropped without a call; a body
// larger than MaxBodySize ends the stream with a BufferOverflow SessionEnd.
func Async(h Handler, opts ...AsyncOptions) pipeline.Filter {
	if h == nil {
		panic("filter: async: nil handler")
	}
	f := &async{h: h}
	if len(opts) > 0 {
		f.opts = opts[0]
	}
	if f.opts.Concurrency <= 0 {
		f.opts.Concurrency = DefaultAsyncConcurrency
	}
	return f
}

// DefaultAsyncConcurrency is how many calls of one Async filter run at once
// on a worker when AsyncOptions.Concurrency is zero.
const DefaultAsyncConcurrency = 128

// AsyncOptions configure Async. The zero value works.
type AsyncOptions struct {
	// Concurrency bounds the calls of the handler running at once, per
	// worker (over every stream of the filter on that worker): zero means
	// DefaultAsyncConcurrency.
	Concurrency int
	// MaxBodySize bounds each request's body as MessageOptions.MaxBodySize
	// does: zero means 16 MiB, negative no bound.
	MaxBodySize int64
}

// Answerer is implemented by a handler error that says what to answer in
// its place.
type Answerer interface {
	// Answer returns the message to send instead of the handler's answer.
	Answer() *event.Message
}

// StatusError is a handler error answered with an HTTP status: a head
// {status: Status} and, as a plain-text body, Body, or else the status's
// text. Err, if not nil, is what it wraps (for logs and errors.Is).
type StatusError struct {
	Status int
	Body   string
	Err    error
}

// Error returns "filter: async: status N" and the wrapped error's text.
func (e *StatusError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("filter: async: status %d", e.Status)
	}
	return fmt.Sprintf("filter: async: status %d: %v", e.Status, e.Err)
}

// Unwrap returns Err.
func (e *StatusError) Unwrap() error { return e.Err }

// Answer returns the message answering with e's status.
func (e *StatusError) Answer() *event.Message {
	body := e.Body
	if body == "" {
		body = http.StatusText(e.Status)
	}
	return &event.Message{
		Head: event.Fields{"status": e.Status, "headers": map[string]any{"content-type": "text/plain; charset=utf-8"}},
		Body: event.FromString(body),
	}
}

var asyncInfo = pipeline.Info{
	Name:     "async",
	Synopsis: "(handler[, options])",
	Summary:  "Answers each whole message with a Go handler run off the worker (Go only)",
}

type async struct {
	h    Handler
	opts AsyncOptions
}

func (*async) Info() pipeline.Info { return asyncInfo }

func (f *async) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	return &asyncInst{f: f, s: s, next: next, rd: event.MessageReader{MaxBodySize: f.opts.MaxBodySize}}
}

// asyncLimit is a filter's bound on running calls on one worker; on the
// worker only.
type asyncLimit struct {
	running int
	waiting []*asyncCall
}

// asyncCall is one message's place in its stream's answer order.
type asyncCall struct {
	in   *asyncInst
	req  *event.Message
	ans  *event.Message // the answer, once done
	data event.Event    // or Data outside messages, in its place
	done bool
}

type asyncInst struct {
	f      *async
	s      *pipeline.Stream
	next   pipeline.Target
	rd     event.MessageReader
	queue  []*asyncCall
	ctx    context.Context
	cancel context.CancelFunc
	end    *event.SessionEnd // held until the queue is empty
	closed bool
}

func (a *asyncInst) Input(evt event.Event) {
	if a.s.Ended() || a.closed {
		return
	}
	held := false
	switch e := evt.(type) {
	case *event.MessageStart:
		held = true
	case *event.Data, *event.MessageEnd:
		held = a.rd.InMessage()
	case *event.SessionEnd:
		if len(a.queue) > 0 && e.Err == event.NoError {
			a.end = e
			a.s.Hold()
			a.rd.Read(e) // drops a message in progress
			return
		}
	}
	msg, ok := readMessage(a.s, "async", &a.rd, evt)
	switch {
	case !ok:
	case msg != nil:
		a.start(msg)
	case held:
	case len(a.queue) == 0 || !isData(evt):
		a.next.Input(evt)
	default:
		a.queue = append(a.queue, &asyncCall{data: evt, done: true})
	}
}

// start queues a call for msg, and runs it if the worker's limit allows.
func (a *asyncInst) start(msg *event.Message) {
	if a.ctx == nil {
		a.ctx, a.cancel = context.WithCancel(context.Background())
		a.s.OnClose(a.close)
	}
	c := &asyncCall{in: a, req: msg}
	a.queue = append(a.queue, c)
	lim := a.limit()
	if lim.running < a.f.opts.Concurrency {
		lim.running++
		go c.run()
		return
	}
	lim.waiting = append(lim.waiting, c)
}

func (a *asyncInst) limit() *asyncLimit {
	return a.s.Worker().Local(a.f, func() any { return &asyncLimit{} }).(*asyncLimit)
}

// close cancels the calls still running; the ones waiting will not start.
func (a *asyncInst) close() {
	a.closed = true
	a.cancel()
	a.queue = nil
}

// run calls the handler on its own goroutine and hands the answer back.
func (c *asyncCall) run() {
	out := c.call()
	a := c.in
	a.s.Post(func() { a.finish(c, out) })
	a.s.Worker().Post(func() { a.limit().release() })
}

// call runs the handler, turning an error or a panic into an answer.
func (c *asyncCall) call() (out *event.Message) {
	a := c.in
	defer func() {
		if r := recover(); r != nil {
			a.s.Logger().Warn("async: handler panicked", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			out = (&StatusError{Status: http.StatusInternalServerError}).Answer()
		}
	}()
	res, err := a.f.h(a.ctx, c.req)
	if err == nil {
		return res
	}
	if ans, ok := err.(Answerer); ok {
		if m := ans.Answer(); m != nil {
			return m
		}
	}
	a.s.Logger().Debug("async: handler failed", "err", err)
	return (&StatusError{Status: http.StatusInternalServerError}).Answer()
}

// release frees a place and starts the next waiting call whose stream is
// still open.
func (l *asyncLimit) release() {
	l.running--
	for len(l.waiting) > 0 {
		c := l.waiting[0]
		l.waiting[0] = nil
		l.waiting = l.waiting[1:]
		if c.in.closed || c.in.s.Ended() {
			continue
		}
		l.running++
		go c.run()
		return
	}
}

// finish records c's answer and passes on the answers now at the head of
// the queue, then the held SessionEnd once none is pending.
func (a *asyncInst) finish(c *asyncCall, res *event.Message) {
	if a.closed {
		return
	}
	c.done, c.req, c.ans = true, nil, res
	for len(a.queue) > 0 && a.queue[0].done && !a.s.Ended() {
		head := a.queue[0]
		a.queue[0] = nil
		a.queue = a.queue[1:]
		switch {
		case head.ans != nil:
			pipeline.Emit(a.next, head.ans)
		case head.data != nil:
			a.next.Input(head.data)
		}
	}
	if len(a.queue) == 0 && a.end != nil {
		end := a.end
		a.end = nil
		a.next.Input(end)
		a.s.Release()
	}
}

func isData(evt event.Event) bool {
	_, ok := evt.(*event.Data)
	return ok
}
