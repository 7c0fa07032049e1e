package filter_test

import (
	"context"
	"testing"
	"time"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
)

// BenchmarkBlockingCall answers 10,000 requests on one worker, each after a
// 1 ms blocking call (a database round trip): Async overlaps the calls up
// to its concurrency, while ReplaceMessage, which runs on the worker,
// serializes them. Run with -benchtime=1x; the figures are reported, not
// asserted.
func BenchmarkBlockingCall(b *testing.B) {
	const requests = 10000
	call := func() { time.Sleep(time.Millisecond) } // stands for the blocking call
	answer := func() *event.Message { return &event.Message{Head: event.Fields{"status": 200}} }
	run := func(b *testing.B, f pipeline.Filter) {
		for b.Loop() {
			h := pipelinetest.Of(b, f)
			for range requests {
				h.Stream.Input(&event.MessageStart{Head: event.Fields{"method": "GET", "path": "/"}})
				h.Stream.Input(&event.MessageEnd{})
			}
			h.Wait(func() bool { return len(h.Output()) >= 2*requests })
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/10k-requests")
	}
	b.Run("Async", func(b *testing.B) {
		run(b, filter.Async(func(ctx context.Context, r *event.Message) (*event.Message, error) {
			call()
			return answer(), nil
		}))
	})
	b.Run("ReplaceMessage", func(b *testing.B) {
		run(b, filter.ReplaceMessage(func(s *pipeline.Stream, r *event.Message, out pipeline.Target) {
			call()
			pipeline.Emit(out, answer())
		}))
	})
}
