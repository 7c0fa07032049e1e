package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Clock is where a worker gets its time. Tests swap in a manual clock
// (pipelinetest.Clock) so that timers fire when the test says, not when the
// wall clock does.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// AfterFunc calls f, on some goroutine, once d has passed.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending call made by a Clock.
type Timer interface {
	// Stop prevents the call if it has not happened yet, and reports whether
	// it did so.
	Stop() bool
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// AfterFunc returns time.AfterFunc(d, f).
func (SystemClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

// Flusher is something a worker flushes once it has handled a batch of
// events: a socket writer that coalesces the output of a whole batch into one
// vectored write.
type Flusher interface {
	Flush()
}

// WorkerOptions configure a worker. The zero value works.
type WorkerOptions struct {
	// Clock is the worker's clock; nil means the wall clock.
	Clock Clock
	// Logger receives the worker's log lines; nil means slog.Default().
	Logger *slog.Logger
}

// task is a unit of work posted to a worker: fn, run for stream s (when s is
// not nil and still open), or drop, in its place, when the worker has
// stopped (see PostOr).
type task struct {
	s    *Stream
	fn   func()
	drop func()
}

var workerIDs atomic.Int32

// Worker is the unit of execution: it runs every filter of every stream bound
// to it, one task at a time, like one of Pipy's threads. Work reaches it with
// Post from any goroutine. A worker runs either on its own goroutine (Run,
// as a Group does) or on the caller's (RunPending, as the test harness does),
// never both.
//
// A worker that Run has stopped (its context is done, as when its Group
// closes) runs nothing more. As it stops it runs what was posted before,
// closes the streams still open (and those the last tasks open), then
// marks itself stopped: a task posted from then on is dropped, and if it
// was posted with PostOr, its drop function runs in its place, at once, on
// the posting goroutine. So whoever posts work that owns a resource (a
// connection to start) or that someone waits for (a reply) posts it with
// PostOr and frees or answers there; nothing posted is left waiting for a
// worker that will never run it.
type Worker struct {
	id     int
	clock  Clock
	logger *slog.Logger

	mu      sync.Mutex
	queue   []task
	wake    chan struct{}
	stopped bool // Run has stopped: posts are dropped (under mu)

	// Owned by the goroutine running the worker.
	batch    []task
	flushers []Flusher
	spare    []Flusher // the other flushers slice, reused
	locals   map[any]any
	streams  int
	open     *Stream // the most recently opened stream still open; see link
	sockets  *Socket // the most recently started socket not closed
	poll     *poller // the epoll set of the sockets this worker reads, if any
	// lingering holds the sockets in their lingering close, which no
	// stream owns any more, for the worker to close as it stops.
	lingering map[*Socket]struct{}

	imu         sync.Mutex
	onInterrupt []func() // see OnInterrupt

	// The batch clock (BatchNow), on the goroutine running the worker:
	// inBatch while runBatch runs, batchAt read at the batch's first call.
	sysClock, inBatch, batchSet bool
	batchAt                     time.Time
}

// NewWorker returns a worker that runs nothing until Run or RunPending is
// called.
func NewWorker(opts WorkerOptions) *Worker {
	w := &Worker{
		id:     int(workerIDs.Add(1)),
		clock:  opts.Clock,
		logger: opts.Logger,
		wake:   make(chan struct{}, 1),
	}
	if w.clock == nil {
		w.clock = SystemClock{}
	}
	_, w.sysClock = w.clock.(SystemClock)
	if w.logger == nil {
		w.logger = slog.Default()
	}
	w.logger = w.logger.With("worker", w.id)
	return w
}

// ID returns the worker's number, unique in the process.
func (w *Worker) ID() int { return w.id }

// Clock returns the worker's clock.
func (w *Worker) Clock() Clock { return w.clock }

// Now returns the worker clock's time.
func (w *Worker) Now() time.Time { return w.clock.Now() }

// BatchNow is Now read once per batch of tasks: during a batch every call
// returns the reading of its first call, so that bookkeeping done at each
// event (when a socket was last active, when a request began) costs one
// clock reading per batch rather than one per event; such a time is at most
// a batch's duration early. It must be called on the worker. Outside a
// batch, and with a clock other than the wall clock (a test's manual clock),
// it is Now.
func (w *Worker) BatchNow() time.Time {
	if w.batchSet { // small enough to be inlined: the calls after a batch's first
		return w.batchAt
	}
	return w.readBatchNow()
}

// readBatchNow is BatchNow when the batch has no reading yet (batchSet is
// only ever set in a batch, with the wall clock, and cleared at its ends).
func (w *Worker) readBatchNow() time.Time {
	if !w.inBatch || !w.sysClock {
		return w.clock.Now()
	}
	w.batchAt, w.batchSet = time.Now(), true
	return w.batchAt
}

// Logger returns the worker's logger.
func (w *Worker) Logger() *slog.Logger { return w.logger }

// Post queues fn to run on the worker. It is safe to call from any goroutine,
// and never blocks. Once the worker has stopped, fn is dropped (see Worker).
func (w *Worker) Post(fn func()) { w.post(task{fn: fn}) }

// PostOr queues fn to run on the worker as Post does, unless the worker has
// stopped: then it calls drop instead, at once, on the calling goroutine
// (drop may be nil). Exactly one of fn and drop runs. Work that owns a
// resource, or that a goroutine waits for, is posted this way, so that drop
// frees the resource or answers the waiter.
func (w *Worker) PostOr(fn, drop func()) { w.post(task{fn: fn, drop: drop}) }

// Stopped reports whether the worker has stopped: what is posted to it now
// is dropped.
func (w *Worker) Stopped() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stopped
}

func (w *Worker) post(t task) {
	w.mu.Lock()
	if w.stopped {
		w.mu.Unlock()
		if t.drop != nil {
			t.drop()
		}
		return
	}
	w.queue = append(w.queue, t)
	first := len(w.queue) == 1
	w.mu.Unlock()
	if first {
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
}

// AfterFunc runs fn on the worker once d has passed on the worker's clock,
// unless the returned Timer is stopped first. Stop must be called on the
// worker; once it returns, fn will not run.
func (w *Worker) AfterFunc(d time.Duration, fn func()) Timer {
	t := &workerTimer{}
	t.t = w.clock.AfterFunc(d, func() {
		w.Post(func() {
			if !t.stopped {
				t.stopped = true
				fn()
			}
		})
	})
	return t
}

type workerTimer struct {
	t       Timer
	stopped bool
}

func (t *workerTimer) Stop() bool {
	if t.stopped {
		return false
	}
	t.stopped = true
	t.t.Stop()
	return true
}

// Local returns the worker's value for key, calling newValue to create it on
// first use. Filters keep per-worker state this way (shared tap budgets, mux
// sessions, a script runtime). Call it on the worker only.
func (w *Worker) Local(key any, newValue func() any) any {
	if v, ok := w.locals[key]; ok {
		return v
	}
	if w.locals == nil {
		w.locals = map[any]any{}
	}
	v := newValue()
	w.locals[key] = v
	return v
}

// OnInterrupt registers fn to run each time the worker is interrupted
// (Interrupt). fn runs on the interrupting goroutine, possibly while a task
// runs on the worker, so it must be safe for that and must not block: a
// script runtime registers one that stops the callback it is running.
// Registrations last as long as the worker.
func (w *Worker) OnInterrupt(fn func()) {
	w.imu.Lock()
	w.onInterrupt = append(w.onInterrupt, fn)
	w.imu.Unlock()
}

// Interrupt asks the task running on the worker now to give up if it can: a
// script callback is interrupted and its stream fails; Go code goes on. It
// is safe from any goroutine and does nothing when the worker is idle.
// Group.Close and Server.Close interrupt the workers they wait for, so that
// a callback that never returns cannot keep them from stopping.
func (w *Worker) Interrupt() {
	w.imu.Lock()
	fns := w.onInterrupt
	w.imu.Unlock()
	for _, fn := range fns {
		fn()
	}
}

// interruptGrace is how long Group.Close and Server.Close wait for their
// workers before interrupting them, and then between interrupts.
const interruptGrace = 100 * time.Millisecond

// waitInterrupting calls wait and, while it has not returned, interrupts
// workers every interruptGrace, so that a task that never ends cannot make
// wait block forever.
func waitInterrupting(wait func(), workers []*Worker) {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(interruptGrace)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				for _, w := range workers {
					w.Interrupt()
				}
			}
		}
	}()
	wait()
	close(done)
}

// FlushLater asks the worker to call f.Flush once the current batch of tasks
// is done. Calling it several times in one batch with the same f flushes once
// per call; callers keep a flag to ask only once.
func (w *Worker) FlushLater(f Flusher) { w.flushers = append(w.flushers, f) }

// Streams returns the number of streams of this worker that are open.
func (w *Worker) Streams() int { return w.streams }

func (w *Worker) link(s *Stream) {
	s.next = w.open
	if w.open != nil {
		w.open.prev = s
	}
	w.open = s
	w.streams++
}

func (w *Worker) unlink(s *Stream) {
	if s.prev != nil {
		s.prev.next = s.next
	} else {
		w.open = s.next
	}
	if s.next != nil {
		s.next.prev = s.prev
	}
	s.prev, s.next = nil, nil
	w.streams--
}

func (w *Worker) listSocket(k *Socket) {
	if k.listed || k.closed {
		return
	}
	k.listed = true
	k.wnext = w.sockets
	if w.sockets != nil {
		w.sockets.wprev = k
	}
	w.sockets = k
}

func (w *Worker) unlistSocket(k *Socket) {
	if !k.listed {
		return
	}
	k.listed = false
	if k.wprev != nil {
		k.wprev.wnext = k.wnext
	} else {
		w.sockets = k.wnext
	}
	if k.wnext != nil {
		k.wnext.wprev = k.wprev
	}
	k.wprev, k.wnext = nil, nil
}

// closeSockets closes the sockets started on the worker and still open,
// as it stops: those no stream closes as it closes (a server's connection,
// whose socket outlives its stream to write what is queued, or that a relay
// carries), so that no connection, goroutine or count waits for a worker
// that will not run again.
func (w *Worker) closeSockets() {
	for w.sockets != nil {
		w.sockets.Close() // unlists it
	}
	w.RunPending()
}

// CloseStreams closes every stream of the worker that is still open, as
// Stream.Close does (their OnClose functions close sockets, stop processes and
// timers), including streams that no connection owns: mux's shared streams,
// a script's sessions, the children of those. It returns how many it
// closed. A Group's workers do it when the group closes. Call it on the
// worker only.
func (w *Worker) CloseStreams() int {
	n := 0
	for w.open != nil {
		w.open.Close()
		n++
	}
	return n
}

// RunPending runs, on the calling goroutine, every task queued so far and
// those they queue in turn, then flushes; it returns how many tasks ran.
// What arrives on the worker's sockets meanwhile is not waited for: it comes
// as tasks of its own, as it would to a reader goroutine, so that a
// connection that never stops sending cannot keep RunPending from returning.
func (w *Worker) RunPending() int {
	total := 0
	for {
		n := w.runBatch(false)
		total += n
		if n == 0 {
			return total
		}
	}
}

// queued returns how many tasks are queued and not running yet.
func (w *Worker) queued() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.queue)
}

// WaitPending blocks until a task is queued, ctx is done, or (if not zero)
// the deadline passes; it reports whether a task is there to run.
func (w *Worker) WaitPending(ctx context.Context) bool {
	for {
		w.mu.Lock()
		n := len(w.queue)
		w.mu.Unlock()
		if n > 0 {
			return true
		}
		select {
		case <-w.wake:
		case <-ctx.Done():
			return false
		}
	}
}

// RunReady runs, on the calling goroutine, every task queued so far, and
// reads what the worker's sockets have ready to be read now (on Linux, where
// the worker polls them; elsewhere a socket's reader goroutine posts what it
// reads as it can), until neither is left or ctx is done; it returns how many
// tasks ran. A test harness calls it before moving a manual clock, so that
// what a peer has already sent is handled before the timers fire. A
// connection that never stops sending keeps it running until ctx is done.
func (w *Worker) RunReady(ctx context.Context) int {
	total := 0
	for {
		total += w.RunPending()
		if w.poll == nil || !w.poll.hasReady() || !w.WaitPending(ctx) {
			return total
		}
	}
}

// Run runs the worker's tasks on the calling goroutine until ctx is done.
func (w *Worker) Run(ctx context.Context) {
	for {
		if w.runBatch(true) > 0 {
			continue
		}
		select {
		case <-w.wake:
		case <-ctx.Done():
			w.stop()
			return
		}
	}
}

// stop runs what is queued, closes every stream and socket, and marks the
// worker stopped once a round of that found nothing more queued: a task
// posted while it stops runs (a connection's start, whose stream the next
// round closes), one posted after is dropped.
func (w *Worker) stop() {
	for {
		w.RunPending()
		w.CloseStreams()
		w.RunPending()
		w.closeSockets()
		w.closeLingering()
		if w.poll != nil {
			w.poll.closeAll()
			w.RunPending()
		}
		w.mu.Lock()
		if len(w.queue) == 0 && w.open == nil && w.sockets == nil {
			w.stopped = true
			w.mu.Unlock()
			return
		}
		w.mu.Unlock()
	}
}

// RunBatch runs the tasks queued now (not those they queue), then flushes
// what they wrote, and returns how many ran; like RunPending, it does not
// look for what arrived on the worker's sockets. Together with WaitPending it
// lets a test drive the worker a batch at a time, as pipelinetest does.
func (w *Worker) RunBatch() int { return w.runBatch(false) }

// runBatch runs one batch of tasks and flushes. With selfPoll (Run), a
// poller the batch read from is polled here, for what is ready to be read in
// the next batch; without, the watcher goroutine is left to report it.
func (w *Worker) runBatch(selfPoll bool) int {
	w.inBatch, w.batchSet = true, false
	defer func() { w.inBatch, w.batchSet = false, false }()
	w.mu.Lock()
	w.batch, w.queue = w.queue, w.batch[:0]
	w.mu.Unlock()
	n := len(w.batch)
	for i := range w.batch {
		w.run(w.batch[i])
		w.batch[i] = task{}
	}
	for len(w.flushers) > 0 {
		fs := w.flushers
		w.flushers = w.spare[:0]
		for i, f := range fs {
			w.safely(f.Flush)
			fs[i] = nil
		}
		w.spare = fs[:0]
	}
	if p := w.poll; p != nil && p.polling {
		if selfPoll {
			p.poll()
		} else {
			p.handBack()
		}
	}
	return n
}

func (w *Worker) run(t task) {
	if t.s == nil {
		w.safely(t.fn)
		return
	}
	t.s.runTask(t.fn)
}

func (w *Worker) safely(fn func()) {
	defer func() {
		if r := recover(); r != nil {
			w.logger.Error("panic in worker task", "panic", fmt.Sprint(r), "stack", panicStack(r))
		}
	}()
	fn()
}

func stack() string {
	buf := make([]byte, 4096)
	return string(buf[:runtime.Stack(buf, false)])
}

// Group is a set of workers running on their own goroutines. Connections and
// tasks are spread over them with Next. A Group is safe for concurrent use.
type Group struct {
	workers []*Worker
	next    atomic.Uint32
	cancel  context.CancelFunc
	done    sync.WaitGroup
}

// NewGroup starts n workers (GOMAXPROCS when n < 1) and returns them as a group.
func NewGroup(n int, opts WorkerOptions) *Group {
	if n < 1 {
		n = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(context.Background())
	g := &Group{cancel: cancel}
	for range n {
		w := NewWorker(opts)
		g.workers = append(g.workers, w)
		g.done.Add(1)
		go func() {
			defer g.done.Done()
			w.Run(ctx)
		}()
	}
	return g
}

// Workers returns the group's workers.
func (g *Group) Workers() []*Worker { return g.workers }

// Next returns the next worker, round robin.
func (g *Group) Next() *Worker {
	return g.workers[int(g.next.Add(1)-1)%len(g.workers)]
}

// Close stops the workers once they have run what is queued, closes the
// streams still open on them (Worker.CloseStreams), and waits for them.
// What is posted to them afterwards is dropped (see Worker and PostOr). A
// worker still busy after a short grace is interrupted (Worker.Interrupt),
// repeatedly, until it stops.
func (g *Group) Close() {
	g.cancel()
	waitInterrupting(g.done.Wait, g.workers)
}
