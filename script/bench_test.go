package script_test

import (
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
)

// benchMessages feeds b.N messages through one stream of p and reports the
// cost per message (one callback call).
func benchMessages(b *testing.B, p *pipeline.Pipeline) {
	w := pipeline.NewWorker(pipeline.WorkerOptions{})
	n := 0
	st := pipeline.NewStream(p, pipeline.NewContext(w), pipeline.TargetFunc(func(e event.Event) {
		if _, ok := e.(*event.MessageEnd); ok {
			n++
		}
	}))
	head := map[string]any{"path": "/"}
	body := event.FromString("hello")
	st.Input(&event.MessageStart{Head: head}) // warm up: makes the worker's runtime
	st.Input(body.Clone())
	st.Input(&event.MessageEnd{})
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		st.Input(&event.MessageStart{Head: head})
		st.Input(body.Clone())
		st.Input(&event.MessageEnd{})
	}
	b.StopTimer()
	if n != b.N+1 {
		b.Fatalf("%d messages out, want %d", n, b.N+1)
	}
}

// BenchmarkReplaceMessageJS measures a JS replaceMessage callback that
// builds a new message from the old one's body.
func BenchmarkReplaceMessageJS(b *testing.B) {
	m := load(b, `
pipy()
.pipeline('p')
  .replaceMessage(msg => new Message({status: 200}, msg.body))
`)
	benchMessages(b, find(b, m, "p"))
}

// BenchmarkReplaceMessageJSPassThrough measures a JS replaceMessage callback
// returning the message it was given.
func BenchmarkReplaceMessageJSPassThrough(b *testing.B) {
	m := load(b, `pipy().pipeline('p').replaceMessage(msg => msg)`)
	benchMessages(b, find(b, m, "p"))
}

// BenchmarkReplaceMessageGo is the same filter with a Go function.
func BenchmarkReplaceMessageGo(b *testing.B) {
	p := pipeline.New("p", filter.ReplaceMessage(func(s *pipeline.Stream, msg *event.Message, out pipeline.Target) {
		pipeline.Emit(out, &event.Message{Head: map[string]any{"status": 200}, Body: msg.Body})
	}))
	benchMessages(b, p)
}
