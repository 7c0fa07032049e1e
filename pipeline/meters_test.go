package pipeline_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/pipeline"
)

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
