package filter_test

import (
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
)

// BenchmarkObserverChain10 feeds Data events through ten OnData observers
// with a trivial callback. Observers pass the event on without consuming it,
// so one Data is reused for every iteration: the figure is the cost of the
// chain alone, and allocs/op must be 0.
func BenchmarkObserverChain10(b *testing.B) {
	var total int
	cb := func(s *pipeline.Stream, d *event.Data) { total += d.Len() }
	fs := make([]pipeline.Filter, 10)
	for i := range fs {
		fs[i] = filter.OnData(cb)
	}
	w := pipeline.NewWorker(pipeline.WorkerOptions{})
	s := pipeline.NewStream(pipeline.New("bench", fs...), pipeline.NewContext(w), pipeline.Discard)
	d := event.FromString("0123456789abcdef")
	b.ReportAllocs()
	for b.Loop() {
		s.Input(d)
	}
	if total != 10*d.Len()*b.N {
		b.Fatalf("callbacks saw %d bytes, want %d", total, 10*d.Len()*b.N)
	}
}

// BenchmarkReplaceDataChain10 is the same through ten ReplaceData filters
// that write the event they are given back out: 0 allocs/op.
func BenchmarkReplaceDataChain10(b *testing.B) {
	r := func(s *pipeline.Stream, d *event.Data, out pipeline.Target) { out.Input(d) }
	fs := make([]pipeline.Filter, 10)
	for i := range fs {
		fs[i] = filter.ReplaceData(r)
	}
	w := pipeline.NewWorker(pipeline.WorkerOptions{})
	s := pipeline.NewStream(pipeline.New("bench", fs...), pipeline.NewContext(w), pipeline.Discard)
	d := event.FromString("0123456789abcdef")
	b.ReportAllocs()
	for b.Loop() {
		s.Input(d)
	}
}
