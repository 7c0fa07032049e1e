package script

import (
	"errors"
	"testing"
	"time"

	"github.com/dop251/goja"
	"github.com/stretchr/testify/require"
)

func newTestWatchdog() *watchdog {
	d := &watchdog{}
	d.timer = time.AfterFunc(time.Hour, d.check)
	d.timer.Stop()
	return d
}

// decide makes the decision the timer goroutine makes for the running call.
func (d *watchdog) decide(reason error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.interruptLocked(d.state.Load(), reason)
}

// TestWatchdogClearsStaleInterrupt checks that an interrupt decided for a
// call that returned before it took effect does not hit the next call.
func TestWatchdogClearsStaleInterrupt(t *testing.T) {
	d := newTestWatchdog()
	rt := &jsRuntime{vm: goja.New()}
	outer := d.enter(rt)
	d.decide(ErrTimeout) // the JS has returned already: the flag stays set
	d.exit(rt, outer)
	_, err := rt.vm.RunString("1 + 1")
	require.NoError(t, err, "a stale interrupt hit the next call")
	require.Zero(t, d.state.Load()&(stRunning|stInterrupting))
	require.Nil(t, d.cur.Load(), "an idle watchdog keeps no runtime")
}

// TestWatchdogUnwindsNestedCalls checks that an interrupt delivered to the
// innermost runtime of nested calls reaches the outer one when the inner
// returns, and that both are clear afterwards.
func TestWatchdogUnwindsNestedCalls(t *testing.T) {
	d := newTestWatchdog()
	a, b := &jsRuntime{vm: goja.New()}, &jsRuntime{vm: goja.New()}
	outerA := d.enter(a)
	outerB := d.enter(b)
	d.decide(ErrInterrupted) // delivered to b, which runs
	_, err := b.vm.RunString("while (true) {}")
	var ie *goja.InterruptedError
	require.True(t, errors.As(err, &ie), "%v", err)
	d.exit(b, outerB)
	_, err = a.vm.RunString("1 + 1")
	require.True(t, errors.As(err, &ie), "the outer call goes on: %v", err)
	d.exit(a, outerA)
	for _, rt := range []*jsRuntime{a, b} {
		_, err := rt.vm.RunString("1 + 1")
		require.NoError(t, err)
	}
}

// TestWatchdogEnterAfterDecision checks that a nested call entered just
// after the timer goroutine chose the outer runtime is interrupted too.
func TestWatchdogEnterAfterDecision(t *testing.T) {
	d := newTestWatchdog()
	a, b := &jsRuntime{vm: goja.New()}, &jsRuntime{vm: goja.New()}
	outerA := d.enter(a)
	d.decide(ErrTimeout) // delivered to a
	outerB := d.enter(b)
	_, err := b.vm.RunString("while (true) {}")
	require.Error(t, err)
	d.exit(b, outerB)
	d.exit(a, outerA)
	_, err = b.vm.RunString("1 + 1")
	require.NoError(t, err)
	_, err = a.vm.RunString("1 + 1")
	require.NoError(t, err)
}

// BenchmarkWatchdogEnterExit measures what the budget adds to each callback
// call: the bookkeeping around an outermost call, the timer armed.
func BenchmarkWatchdogEnterExit(b *testing.B) {
	d := newTestWatchdog()
	rt := &jsRuntime{vm: goja.New(), lim: limits{budget: time.Second, tick: 50 * time.Millisecond}}
	b.ReportAllocs()
	for range b.N {
		outer := d.enter(rt)
		d.exit(rt, outer)
	}
	d.timer.Stop()
}
