package pipeline_test

import (
	"testing"
	"time"

	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
)

// TestGroupCloseInterruptsStuckWorker checks that Group.Close interrupts a
// worker whose task does not return until interrupted (as a script callback
// that spins), instead of waiting for it forever.
func TestGroupCloseInterruptsStuckWorker(t *testing.T) {
	g := pipeline.NewGroup(1, pipeline.WorkerOptions{Logger: pipelinetest.TestLogger(t)})
	w := g.Workers()[0]
	interrupted := make(chan struct{}, 1)
	w.OnInterrupt(func() {
		select {
		case interrupted <- struct{}{}:
		default:
		}
	})
	running := make(chan struct{})
	w.Post(func() {
		close(running)
		<-interrupted // stuck until interrupted
	})
	<-running
	closed := make(chan struct{})
	go func() {
		g.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(20 * time.Second):
		t.Fatal("Group.Close did not interrupt the stuck worker")
	}
}
