package pipeline_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
)

// afterNow returns once the wall clock reads later than t.
func afterNow(t time.Time) {
	for !time.Now().After(t) {
	}
}

func TestBatchNowIsReadOncePerBatch(t *testing.T) {
	w := pipeline.NewWorker(pipeline.WorkerOptions{})
	var first, second, third time.Time
	w.Post(func() {
		first = w.BatchNow()
		afterNow(first)
		second = w.BatchNow()
	})
	w.RunPending()
	assert.False(t, first.IsZero())
	assert.Equal(t, first, second, "a batch's calls share one reading")
	// The next batch reads the clock again.
	w.Post(func() { third = w.BatchNow() })
	w.RunPending()
	assert.True(t, third.After(first), "the next batch reads the clock again")
	// Outside a batch it is Now.
	afterNow(third)
	assert.True(t, w.BatchNow().After(third), "outside a batch BatchNow reads the clock")
}

func TestBatchNowFollowsAManualClock(t *testing.T) {
	clock := pipelinetest.NewClock()
	w := pipeline.NewWorker(pipeline.WorkerOptions{Clock: clock})
	var first, second time.Time
	w.Post(func() {
		first = w.BatchNow()
		clock.Advance(time.Second, nil)
		second = w.BatchNow()
	})
	w.RunPending()
	assert.Equal(t, time.Second, second.Sub(first), "a test's clock is read at each call")
}
