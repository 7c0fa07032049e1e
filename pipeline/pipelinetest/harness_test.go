package pipelinetest_test

import (
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/assert"
)

// TestWaitReturnsWhileTheWorkerIsNeverIdle: a task that always queues
// another (as a worker reading a connection that never stops sending does)
// keeps the worker from ever being idle; Wait must still return once its
// condition holds, after the batch that made it true.
func TestWaitReturnsWhileTheWorkerIsNeverIdle(t *testing.T) {
	h := pipelinetest.Of(t)
	const most = 10000 // bounds the loop if Wait runs past its condition
	emitted := 0
	var emit func()
	emit = func() {
		if emitted == most || h.Stream.Ended() {
			return
		}
		emitted++
		h.Stream.Input(event.FromString("x"))
		h.Worker.Post(emit)
	}
	h.Worker.Post(emit)
	h.Wait(func() bool { return len(h.Output()) >= 3 })
	assert.Equal(t, 3, emitted, "Wait should return after the batch that met its condition, not once the worker is idle")
}
