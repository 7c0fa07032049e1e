package script_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/sluice-go/sluice/script"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const spinScript = `
pipy()
.pipeline('p')
  .replaceMessage(msg => {
    var n = 0
    while (msg.body.toString() === 'spin') { n++ }
    return new Message('ok:' + msg.body.toString())
  })
`

// TestCallbackOverBudget checks that a callback that never returns is
// interrupted: its stream ends with a runtime error naming the script
// position, and another stream on the same worker is answered afterwards.
func TestCallbackOverBudget(t *testing.T) {
	m := load(t, spinScript, script.Options{Timeout: 50 * time.Millisecond})
	w := newWorker(t)
	spin := w.start(find(t, m, "p")).message(nil, "spin")
	se := sessionEnd(spin.out)
	require.NotNil(t, se, "the spinning stream ended")
	assert.Equal(t, event.RuntimeError, se.Err)
	assert.ErrorIs(t, se.Cause, script.ErrTimeout)
	assert.ErrorIs(t, se.Cause, script.ErrScript)
	var e *script.Error
	require.ErrorAs(t, se.Cause, &e)
	assert.Equal(t, "main.js", e.File)
	assert.Equal(t, 6, e.Line, "the position where the loop was stopped: %v", e)
	assert.Contains(t, se.Message, "main.js:6:", "the SessionEnd's message names the position")

	other := w.start(find(t, m, "p")).message(nil, "x").end()
	assert.Equal(t, []string{"ok:x"}, bodies(other.out))
	assert.Equal(t, event.NoError, sessionEnd(other.out).Err)
}

// TestCallbackNestedOverBudget checks that a callback spinning in a session
// started by another callback stops both.
func TestCallbackNestedOverBudget(t *testing.T) {
	m := load(t, `
pipy()
.pipeline('outer')
  .replaceMessage(msg => {
    new Session('inner').input([new MessageStart(), new MessageEnd()])
    return new Message('after the inner session')
  })
.pipeline('inner')
  .onMessageStart(() => { while (true) {} })
`, script.Options{Timeout: 50 * time.Millisecond})
	w := newWorker(t)
	s := w.start(find(t, m, "outer")).message(nil, "x")
	se := sessionEnd(s.out)
	require.NotNil(t, se)
	assert.ErrorIs(t, se.Cause, script.ErrTimeout)
	assert.Empty(t, bodies(s.out))
}

// TestTopLevelOverBudget checks that top-level code is under the budget too.
func TestTopLevelOverBudget(t *testing.T) {
	// The loop is all the script, on line 1, so that wherever the interrupt
	// lands (on a loaded machine it may land before the first statement
	// runs: the budget is wall-clock time) the position is the loop's.
	_, err := script.LoadSource("main.js", "while (true) {}\n", script.Options{Timeout: 50 * time.Millisecond, Logger: pipelinetest.TestLogger(t)})
	require.ErrorIs(t, err, script.ErrTimeout)
	var e *script.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "main.js", e.File)
	assert.Equal(t, 1, e.Line)
}

// TestNoBudget checks that a negative Timeout lets a long callback finish.
func TestNoBudget(t *testing.T) {
	m := load(t, `
pipy()
.pipeline('p')
  .replaceMessage(msg => {
    var n = 0
    for (var i = 0; i < 200000; i++) n += i
    return new Message(String(n))
  })
`, script.Options{Timeout: -1})
	w := newWorker(t)
	s := w.start(find(t, m, "p")).message(nil, "x").end()
	assert.Equal(t, []string{"19999900000"}, bodies(s.out))
}

// TestCallbackOverMemory checks that a callback allocating without bound is
// stopped by the memory limit, even without a time budget.
func TestCallbackOverMemory(t *testing.T) {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	limit := int64(s[0].Value.Uint64()) + 64<<20
	m := load(t, `
pipy()
.pipeline('p')
  .replaceMessage(msg => {
    var a = []
    while (true) a.push(new Array(1000).fill(7))
  })
`, script.Options{Timeout: -1, MemoryLimit: limit})
	w := newWorker(t)
	st := w.start(find(t, m, "p")).message(nil, "x")
	se := sessionEnd(st.out)
	require.NotNil(t, se)
	assert.ErrorIs(t, se.Cause, script.ErrMemoryLimit)
}

// signalHandler is a slog handler that closes ch when a record's message
// contains text, and passes every record on.
type signalHandler struct {
	slog.Handler
	text string
	once *sync.Once
	ch   chan struct{}
}

func (h signalHandler) Handle(ctx context.Context, r slog.Record) error {
	if strings.Contains(r.Message, h.text) {
		h.once.Do(func() { close(h.ch) })
	}
	return h.Handler.Handle(ctx, r)
}

func (h signalHandler) WithAttrs(as []slog.Attr) slog.Handler {
	h.Handler = h.Handler.WithAttrs(as)
	return h
}

func (h signalHandler) WithGroup(name string) slog.Handler {
	h.Handler = h.Handler.WithGroup(name)
	return h
}

// TestShutdownInterruptsCallback checks that closing a program whose
// callback never returns (no time budget) interrupts it and returns.
func TestShutdownInterruptsCallback(t *testing.T) {
	spinning := make(chan struct{})
	log := slog.New(signalHandler{Handler: pipelinetest.TestLogger(t).Handler(), text: "spinning", once: &sync.Once{}, ch: spinning})
	m := load(t, `
pipy()
.listen(0)
  .onData(() => { console.log('spinning'); while (true) {} })
`, script.Options{ListenHost: "127.0.0.1", Timeout: -1, Logger: log})
	pr, err := pipeline.Start(m, pipeline.StartOptions{Workers: 1, WorkerOptions: pipeline.WorkerOptions{Logger: log}})
	require.NoError(t, err)
	c, err := net.Dial("tcp", pr.Addrs()[0].String())
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Write([]byte("x"))
	require.NoError(t, err)
	select {
	case <-spinning:
	case <-time.After(20 * time.Second):
		t.Fatal("the callback did not start")
	}
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		done <- pr.Shutdown(ctx)
	}()
	select {
	case err := <-done:
		require.True(t, err == nil || errors.Is(err, context.DeadlineExceeded), "%v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("shutdown did not interrupt the spinning callback")
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err = io.ReadAll(c)
	require.NoError(t, err, "the connection was closed")
}

// TestInterruptsLeaveNoStaleState interrupts a worker over and over while
// it runs short callbacks (some fail, as they are interrupted), then checks
// that once the interrupts stop every callback succeeds: no interrupt is
// left over for a later callback. Run it with -race.
func TestInterruptsLeaveNoStaleState(t *testing.T) {
	m := load(t, spinScript, script.Options{Timeout: time.Minute})
	w := newWorker(t)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				w.w.Interrupt()
			}
		}
	}()
	interrupted := 0
	for range 300 {
		s := w.start(find(t, m, "p")).message(nil, "x").end()
		if se := sessionEnd(s.out); se != nil && se.Err != event.NoError {
			require.ErrorIs(t, se.Cause, script.ErrInterrupted)
			interrupted++
		}
	}
	close(stop)
	wg.Wait()
	t.Logf("%d of 300 streams interrupted", interrupted)
	for range 100 {
		s := w.start(find(t, m, "p")).message(nil, "x").end()
		require.Equal(t, []string{"ok:x"}, bodies(s.out))
	}
}

// TestCloseInterruptsSpinningTask checks that closing a program interrupts
// a task's callback that never returns (no connection involved: the worker
// group's Close does it).
func TestCloseInterruptsSpinningTask(t *testing.T) {
	spinning := make(chan struct{})
	log := slog.New(signalHandler{Handler: pipelinetest.TestLogger(t).Handler(), text: "spinning", once: &sync.Once{}, ch: spinning})
	m := load(t, `
pipy()
.task()
  .onMessageStart(() => { console.log('spinning'); while (true) {} })
`, script.Options{Timeout: -1, Logger: log})
	pr, err := pipeline.Start(m, pipeline.StartOptions{Workers: 1, WorkerOptions: pipeline.WorkerOptions{Logger: log}})
	require.NoError(t, err)
	select {
	case <-spinning:
	case <-time.After(20 * time.Second):
		pr.Close()
		t.Fatal("the task did not start")
	}
	done := make(chan struct{})
	go func() {
		pr.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Close did not interrupt the spinning task")
	}
}
