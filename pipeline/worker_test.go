package pipeline_test

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWorkerRunsTasksInPostOrder: tasks run in the order they were posted,
// and a task a task posts runs after those already queued.
func TestWorkerRunsTasksInPostOrder(t *testing.T) {
	w := pipeline.NewWorker(pipeline.WorkerOptions{})
	var order []string
	w.Post(func() {
		order = append(order, "a")
		w.Post(func() { order = append(order, "a's child") })
	})
	w.Post(func() { order = append(order, "b") })
	w.Post(func() { order = append(order, "c") })
	assert.Empty(t, order, "nothing runs before the worker is run")
	assert.Equal(t, 4, w.RunPending())
	assert.Equal(t, []string{"a", "b", "c", "a's child"}, order)
	assert.Zero(t, w.RunPending(), "nothing left")
}

// TestWorkerRunBatchRunsOnlyWhatIsQueued: RunBatch leaves what the batch's
// tasks post for the next batch, and WaitPending says whether there is one.
func TestWorkerRunBatchRunsOnlyWhatIsQueued(t *testing.T) {
	w := pipeline.NewWorker(pipeline.WorkerOptions{})
	var order []string
	w.Post(func() {
		order = append(order, "first")
		w.Post(func() { order = append(order, "second") })
	})
	require.Equal(t, 1, w.RunBatch())
	assert.Equal(t, []string{"first"}, order)
	assert.True(t, w.WaitPending(context.Background()), "the posted task waits")
	require.Equal(t, 1, w.RunBatch())
	assert.Equal(t, []string{"first", "second"}, order)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.False(t, w.WaitPending(ctx), "nothing queued: WaitPending returns when ctx is done")
}

// TestWorkerKeepsEachPostersOrder: a worker running on its own goroutine
// runs the tasks of each posting goroutine in that goroutine's order, and
// runs them all.
func TestWorkerKeepsEachPostersOrder(t *testing.T) {
	const posters, each = 4, 500
	g := pipeline.NewGroup(1, pipeline.WorkerOptions{})
	defer g.Close()
	w := g.Workers()[0]
	last := make([]int, posters) // owned by the worker
	var bad []string
	done := make(chan struct{})
	ran := 0
	var wg sync.WaitGroup
	for p := range posters {
		last[p] = -1
		wg.Go(func() {
			for i := range each {
				w.Post(func() {
					if i != last[p]+1 {
						bad = append(bad, "out of order")
					}
					last[p] = i
					if ran++; ran == posters*each {
						close(done)
					}
				})
			}
		})
	}
	wg.Wait()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("not every task ran")
	}
	ok := make(chan []string)
	w.Post(func() { ok <- bad })
	assert.Empty(t, <-ok)
}

// TestWorkerTimersRunOnTheWorkerInClockOrder: AfterFunc runs on the worker
// when the manual clock reaches it, earliest first; the worker's Now is the
// clock's.
func TestWorkerTimersRunOnTheWorkerInClockOrder(t *testing.T) {
	clock := pipelinetest.NewClock()
	w := pipeline.NewWorker(pipeline.WorkerOptions{Clock: clock})
	var fired []string
	at := func(name string) func() {
		return func() { fired = append(fired, name+"@"+w.Now().Sub(pipelinetest.Epoch).String()) }
	}
	w.Post(func() {
		w.AfterFunc(2*time.Second, at("two"))
		w.AfterFunc(time.Second, at("one"))
		w.AfterFunc(3*time.Second, at("three"))
	})
	w.RunPending()
	assert.Equal(t, 3, clock.Pending())

	clock.Advance(1500*time.Millisecond, nil)
	assert.Empty(t, fired, "a timer that came due runs as a task on the worker, not on the clock")
	w.RunPending()
	assert.Equal(t, []string{"one@1.5s"}, fired, "only the due timer, when the worker runs it: Now is where the clock stands")
	clock.Advance(2*time.Second, func() { w.RunPending() })
	assert.Equal(t, []string{"one@1.5s", "two@2s", "three@3s"}, fired, "run within Advance, each at its own time")
	assert.Zero(t, clock.Pending())
	assert.Equal(t, pipelinetest.Epoch.Add(3500*time.Millisecond), w.Now())
}

// TestWorkerTimerStopped: a stopped timer never runs, even when its time
// had come on the clock and only its task was still queued; Stop reports
// whether it stopped it.
func TestWorkerTimerStopped(t *testing.T) {
	clock := pipelinetest.NewClock()
	w := pipeline.NewWorker(pipeline.WorkerOptions{Clock: clock})
	fired := 0
	var early, late pipeline.Timer
	w.Post(func() {
		early = w.AfterFunc(time.Second, func() { fired++ })
		late = w.AfterFunc(time.Minute, func() { fired++ })
	})
	w.RunPending()

	var stopped bool
	w.Post(func() {
		clock.Advance(time.Second, nil) // early's task is queued behind this one
		stopped = early.Stop()
	})
	w.RunPending()
	assert.True(t, stopped)
	assert.Zero(t, fired, "the queued task of a stopped timer does nothing")

	w.Post(func() { stopped = late.Stop() })
	w.RunPending()
	assert.True(t, stopped)
	clock.Advance(time.Hour, func() { w.RunPending() })
	assert.Zero(t, fired)
	w.Post(func() { stopped = late.Stop() })
	w.RunPending()
	assert.False(t, stopped, "a second Stop reports that there was nothing to stop")

	var ran pipeline.Timer
	w.Post(func() { ran = w.AfterFunc(time.Second, func() { fired++ }) })
	w.RunPending()
	clock.Advance(time.Second, func() { w.RunPending() })
	require.Equal(t, 1, fired)
	w.Post(func() { stopped = ran.Stop() })
	w.RunPending()
	assert.False(t, stopped, "Stop after the timer ran reports nothing stopped")
}

// TestWorkerLocal: Local makes a key's value once per worker and returns it
// from then on; keys and workers do not share values.
func TestWorkerLocal(t *testing.T) {
	type key struct{ name string }
	a, b := key{"a"}, key{"b"}
	w1 := pipeline.NewWorker(pipeline.WorkerOptions{})
	w2 := pipeline.NewWorker(pipeline.WorkerOptions{})
	made := 0
	newValue := func() any { made++; return &made }
	var v1, v1again, v1b, v2 any
	w1.Post(func() {
		v1 = w1.Local(a, newValue)
		v1again = w1.Local(a, func() any { t.Error("made twice"); return nil })
		v1b = w1.Local(b, func() any { made++; return new(int) })
	})
	w2.Post(func() { v2 = w2.Local(a, func() any { made++; return new(int) }) })
	w1.RunPending()
	w2.RunPending()
	assert.Same(t, v1, v1again)
	assert.NotSame(t, v1, v1b, "another key, another value")
	assert.NotSame(t, v1, v2, "another worker, another value")
	assert.Equal(t, 3, made)
}

// flushRecorder records its flushes in a shared log.
type flushRecorder struct {
	log *[]string
}

func (f flushRecorder) Flush() { *f.log = append(*f.log, "flush") }

// TestWorkerFlushesAfterTheBatch: what FlushLater asks for is flushed once
// the batch's tasks have all run, not when it is asked.
func TestWorkerFlushesAfterTheBatch(t *testing.T) {
	w := pipeline.NewWorker(pipeline.WorkerOptions{})
	var log []string
	f := flushRecorder{&log}
	w.Post(func() { log = append(log, "one"); w.FlushLater(f) })
	w.Post(func() { log = append(log, "two") })
	w.RunBatch()
	assert.Equal(t, []string{"one", "two", "flush"}, log)
	w.RunBatch()
	assert.Equal(t, []string{"one", "two", "flush"}, log, "asked once, flushed once")
}

// TestWorkerTaskPanicIsLoggedAndTheWorkerGoesOn: a task that panics is
// logged, and the tasks after it run.
func TestWorkerTaskPanicIsLoggedAndTheWorkerGoesOn(t *testing.T) {
	var buf bytes.Buffer
	w := pipeline.NewWorker(pipeline.WorkerOptions{Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	after := false
	w.Post(func() { panic("task trouble") })
	w.Post(func() { after = true })
	assert.Equal(t, 2, w.RunPending())
	assert.True(t, after)
	assert.Contains(t, buf.String(), "level=ERROR")
	assert.Contains(t, buf.String(), "task trouble")
}

// TestGroupCloseRunsWhatIsQueuedAndNextRoundRobins: Next hands out the
// group's workers in turn, and Close runs what was posted before it.
func TestGroupCloseRunsWhatIsQueuedAndNextRoundRobins(t *testing.T) {
	g := pipeline.NewGroup(3, pipeline.WorkerOptions{})
	ws := g.Workers()
	require.Len(t, ws, 3)
	for i := range 6 {
		assert.Same(t, ws[i%3], g.Next(), "call %d", i)
	}
	block := make(chan struct{})
	ws[0].Post(func() { <-block })
	ran := false
	ws[0].Post(func() { ran = true })
	close(block)
	g.Close()
	assert.True(t, ran, "a task queued before Close runs")
}

// TestWorkerCloseStreamsClosesWhatIsOpen: the worker counts its open
// streams, and CloseStreams closes those still open, running their OnClose.
func TestWorkerCloseStreamsClosesWhatIsOpen(t *testing.T) {
	w := pipeline.NewWorker(pipeline.WorkerOptions{})
	var closed []string
	var first *pipeline.Stream
	w.Post(func() {
		for _, name := range []string{"a", "b", "c"} {
			s := pipeline.NewStream(pipeline.New(name), pipeline.NewContext(w), nil)
			s.OnClose(func() { closed = append(closed, name) })
			if first == nil {
				first = s
			}
		}
	})
	w.RunPending()
	var open, n int
	w.Post(func() {
		first.Close()
		open = w.Streams()
		n = w.CloseStreams()
	})
	w.RunPending()
	assert.Equal(t, 2, open, "three opened, one closed")
	assert.Equal(t, 2, n, "CloseStreams closed the other two")
	assert.Zero(t, w.Streams())
	assert.ElementsMatch(t, []string{"a", "b", "c"}, closed, "each OnClose ran once")
}

// TestWorkerInterruptRunsEachRegistration: Interrupt runs every function
// registered with OnInterrupt, each time, on the interrupting goroutine.
func TestWorkerInterruptRunsEachRegistration(t *testing.T) {
	w := pipeline.NewWorker(pipeline.WorkerOptions{})
	var mu sync.Mutex
	calls := map[string]int{}
	for _, name := range []string{"one", "two"} {
		w.OnInterrupt(func() { mu.Lock(); calls[name]++; mu.Unlock() })
	}
	done := make(chan struct{})
	go func() { defer close(done); w.Interrupt() }()
	<-done
	w.Interrupt()
	assert.Equal(t, map[string]int{"one": 2, "two": 2}, calls)
}
