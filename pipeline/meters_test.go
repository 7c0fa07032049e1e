package pipeline_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
)

func TestBatchNowReadsTheClockOncePerBatch(t *testing.T) {
	clk := pipelinetest.NewClock()
	w := pipeline.NewWorker(pipeline.WorkerOptions{Clock: clk})
	var first, second, next time.Time
	w.Post(func() {
		first = w.BatchNow()
		clk.Advance(time.Second, nil)
		second = w.BatchNow()
		w.Post(func() { next = w.BatchNow() })
	})
	w.RunPending()
	require.Equal(t, first, second, "one batch, one reading")
	require.Equal(t, time.Second, next.Sub(first), "the next batch reads the clock again")
}

func TestProbeRunsOnTheWorkerAndGivesUpOnAStoppedOne(t *testing.T) {
	w := pipeline.NewWorker(pipeline.WorkerOptions{})
	ran := false
	done := make(chan bool)
	go func() {
		_, ok := w.Probe(10*time.Second, func() { ran = true })
		done <- ok
	}()
	for !w.WaitPending(t.Context()) {
	}
	require.Equal(t, 1, w.Queued())
	w.RunPending()
	require.True(t, <-done)
	require.True(t, ran)

	_, ok := w.Probe(time.Millisecond, nil) // nothing runs w
	require.False(t, ok)
}
