package script

import (
	"fmt"
	"math"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dop251/goja"
	"github.com/sluice-go/sluice/pipeline"
)

// DefaultTimeout is a callback's time budget when Options.Timeout is zero.
const DefaultTimeout = time.Second

// Bounds of the watchdog's tick: a quarter of the budget, within these.
const (
	minTick = time.Millisecond
	maxTick = 50 * time.Millisecond
)

// limits are what a program's callbacks may use, from its Options.
type limits struct {
	budget time.Duration // 0: none
	memory uint64        // heap bytes; 0: none
	tick   time.Duration // how often the watchdog looks; 0: it need not
}

func limitsOf(opts Options) limits {
	l := limits{budget: opts.Timeout}
	switch {
	case l.budget == 0:
		l.budget = DefaultTimeout
	case l.budget < 0:
		l.budget = 0
	}
	switch {
	case opts.MemoryLimit > 0:
		l.memory = uint64(opts.MemoryLimit)
	case opts.MemoryLimit == 0:
		if m := debug.SetMemoryLimit(-1); m > 0 && m < math.MaxInt64 {
			l.memory = uint64(m)
		}
	}
	switch {
	case l.budget > 0:
		l.tick = min(max(l.budget/4, minTick), maxTick)
	case l.memory > 0:
		l.tick = maxTick
	}
	return l
}

// Bits of watchdog.state below the call number.
const (
	stRunning      = 1 // a callback runs
	stInterrupting = 2 // the watchdog has decided to interrupt it
	stCall         = 4 // the unit of the call number
)

// watchdog bounds the script callbacks of one worker, shared by every
// runtime on it: a callback that runs past its budget, or for a while with
// the heap over the memory limit, or while the worker is interrupted
// (pipeline.Worker.Interrupt), is interrupted with goja's Runtime.Interrupt
// and fails with an *Error at the script position where it was stopped.
//
// The worker only stores two atomics around each outermost call (enter,
// exit): no clock reading, no timer per call. One timer ticks while callbacks run
// and stops when it finds the worker idle; the first call after that arms
// it again. A call seen running at ticks spanning the budget is over it.
type watchdog struct {
	// state is the number of the current outermost call times stCall, plus
	// stRunning while it runs, plus stInterrupting once the timer goroutine
	// has decided (by compare-and-swap, under mu) to interrupt it. Only the
	// worker clears stInterrupting, at the call's end.
	state atomic.Uint64
	// cur is the runtime running JS (the innermost, when calls nest). It is
	// left set after a call, so that the next one on the same runtime need
	// not store it; the first tick that finds the worker idle clears it.
	cur   atomic.Pointer[jsRuntime]
	armed atomic.Bool // the timer is pending or running
	timer *time.Timer

	// Owned by the worker.
	calls uint64
	depth int

	// mu is held from the decision to interrupt until the interrupt is
	// delivered; the worker takes it to wait for a delivery it saw decided.
	mu     sync.Mutex
	reason error     // why the call was interrupted
	last   uint64    // the state seen by the previous tick
	since  time.Time // when the call numbered in last was first seen
	sample []metrics.Sample
}

type watchdogKey struct{}

// watchdogOf returns w's watchdog, making it on first use (on the worker).
func watchdogOf(w *pipeline.Worker) *watchdog {
	return w.Local(watchdogKey{}, func() any {
		d := &watchdog{}
		d.timer = time.AfterFunc(time.Hour, d.check)
		d.timer.Stop()
		w.OnInterrupt(d.interrupt)
		return d
	}).(*watchdog)
}

// enter is called on the worker before rt runs JS; it returns what exit
// needs. A nil watchdog (the definition run's) does nothing. Calls nest (a callback starting a Session runs that session's
// callbacks): only the outermost is timed, and an interrupt decided for it
// reaches whichever runtime runs at that moment.
func (d *watchdog) enter(rt *jsRuntime) (outer *jsRuntime) {
	if d == nil {
		return nil
	}
	d.depth++
	if d.depth == 1 {
		d.calls++
		d.state.Store(d.calls*stCall | stRunning)
		// cur is left set between calls (the idle tick clears it), so a
		// worker running one script stores it once, not twice a call.
		if old := d.cur.Load(); old != rt {
			d.cur.Store(rt)
			d.handOver(old, rt)
		}
		if rt.lim.tick > 0 && !d.armed.Load() && d.armed.CompareAndSwap(false, true) {
			d.timer.Reset(rt.lim.tick)
		}
		return nil
	}
	outer = d.cur.Load()
	if outer != rt {
		d.cur.Store(rt)
		d.handOver(outer, rt)
	}
	return outer
}

// handOver is called when cur has just changed from old to rt while a call
// runs: an interrupt decided an instant before may have gone to old.
func (d *watchdog) handOver(old, rt *jsRuntime) {
	if d.state.Load()&stInterrupting == 0 {
		return
	}
	reason := d.delivered()
	if old != nil && d.depth == 1 {
		old.vm.ClearInterrupt() // not running: nothing is below rt
	}
	rt.vm.Interrupt(reason)
}

// exit is called on the worker when rt's JS has returned (or panicked).
func (d *watchdog) exit(rt, outer *jsRuntime) {
	if d == nil {
		return
	}
	d.depth--
	if d.depth > 0 {
		d.cur.Store(outer)
		if d.state.Load()&stInterrupting != 0 {
			// Unwind the outer callback too; rt may be outer.
			reason := d.delivered()
			rt.vm.ClearInterrupt()
			outer.vm.Interrupt(reason)
		}
		return
	}
	old := d.state.Swap(d.calls * stCall)
	if old&stInterrupting != 0 {
		// The interrupt may have come after the JS returned: clear it so
		// that it cannot hit the next callback.
		d.delivered()
		rt.vm.ClearInterrupt()
	}
	if rt.lim.tick == 0 {
		d.cur.Store(nil) // no tick will come to release the runtime
	}
}

// delivered waits until a decided interrupt has been delivered and returns
// its reason.
func (d *watchdog) delivered() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.reason
}

// interruptLocked interrupts the call numbered in state s if it still runs.
// d.mu is held.
func (d *watchdog) interruptLocked(s uint64, reason error) {
	if s&stRunning == 0 || s&stInterrupting != 0 || !d.state.CompareAndSwap(s, s|stInterrupting) {
		return
	}
	d.reason = reason
	// cur may lag behind the state for an instant as a call begins; then
	// enter sees stInterrupting and delivers the interrupt (handOver).
	if rt := d.cur.Load(); rt != nil {
		rt.vm.Interrupt(reason)
	}
}

// interrupt stops the running callback at once (pipeline.Worker.Interrupt).
func (d *watchdog) interrupt() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.interruptLocked(d.state.Load(), ErrInterrupted)
}

// check runs on the timer's goroutine.
func (d *watchdog) check() {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := d.state.Load()
	if s&stRunning == 0 {
		// Idle: release the runtime (a reloaded script's is collected) and
		// stop ticking.
		d.armed.Store(false)
		old := d.cur.Swap(nil)
		if d.state.Load()&stRunning != 0 {
			// A call began meanwhile. It may have found old in cur and left
			// it, and it may have found armed set and left the timer to us.
			d.cur.CompareAndSwap(nil, old)
			if d.armed.CompareAndSwap(false, true) {
				d.timer.Reset(maxTick)
			}
		}
		return
	}
	rt := d.cur.Load()
	if rt == nil { // a call is beginning: look again soon
		d.timer.Reset(maxTick)
		return
	}
	now := time.Now()
	seen := s&^stInterrupting == d.last&^stInterrupting
	if !seen {
		d.last, d.since = s, now
	}
	lim := rt.lim
	switch {
	case lim.budget > 0 && now.Sub(d.since) >= lim.budget:
		d.interruptLocked(s, fmt.Errorf("%w (%v)", ErrTimeout, lim.budget))
	case lim.memory > 0 && seen && d.heap() > lim.memory:
		d.interruptLocked(s, fmt.Errorf("%w (%d MiB)", ErrMemoryLimit, lim.memory>>20))
	}
	if lim.tick > 0 {
		d.timer.Reset(lim.tick)
	} else {
		d.armed.Store(false)
	}
}

// heap returns the bytes of heap objects (live or not yet swept), read
// without stopping the world (runtime/metrics, about 2.5 µs).
func (d *watchdog) heap() uint64 {
	if d.sample == nil {
		d.sample = []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	}
	metrics.Read(d.sample)
	if d.sample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return d.sample[0].Value.Uint64()
}

// runLimited runs fn (top-level code) under the budget of lim in vm, a
// runtime that is not a worker's (the definition run). A one-off timer is
// fine here: it runs once per load, and vm is dropped afterwards.
func runLimited(vm *goja.Runtime, lim limits, fn func() error) error {
	if lim.budget <= 0 {
		return fn()
	}
	t := time.AfterFunc(lim.budget, func() { vm.Interrupt(fmt.Errorf("%w (%v)", ErrTimeout, lim.budget)) })
	defer t.Stop()
	return fn()
}
