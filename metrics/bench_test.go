package metrics_test

import (
	"strings"
	"testing"

	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/metrics"
	"github.com/sluice-go/sluice/pipeline"
)

// byteCounter counts the bytes a stream outputs.
type byteCounter int

func (c *byteCounter) Input(evt event.Event) {
	if d, ok := evt.(*event.Data); ok {
		*c += byteCounter(d.Len())
	}
}

// BenchmarkHelloObserved runs the hello pipeline (decode, replace, encode)
// in process, 64 pipelined requests per input, with and without the
// metrics' HTTP observer: the per-request cost of --metrics, apart from
// sockets and the noise of a shared machine. ns/op is per request. Like a
// socket's read, each input comes in a task of its own on a worker with the
// wall clock, so that the observer's clock readings (Worker.BatchNow) cost
// what they cost in a server: one clock reading per batch.
func BenchmarkHelloObserved(b *testing.B) {
	const batch = 64
	const answer = "HTTP/1.1 200 OK\r\ncontent-length: 14\r\n\r\nHello, World!\n"
	reqs := []byte(strings.Repeat("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n", batch))
	for _, on := range []bool{false, true} {
		name := "off"
		if on {
			name = "on"
		}
		b.Run(name, func(b *testing.B) {
			if on {
				http1.SetObserver(metrics.New(nil).HTTP())
				defer http1.SetObserver(nil)
			}
			w := pipeline.NewWorker(pipeline.WorkerOptions{})
			p := pipeline.New("hello", http1.DecodeRequest(),
				filter.ReplaceMessage(func(_ *pipeline.Stream, _ *event.Message, out pipeline.Target) {
					out.Input(&event.MessageStart{})
					out.Input(event.FromString("Hello, World!\n"))
					out.Input(&event.MessageEnd{})
				}),
				http1.EncodeResponse(nil))
			var out byteCounter
			st := pipeline.NewStream(p, pipeline.NewContext(w), &out)
			read := func() { st.Input(event.FromCopy(reqs)) }
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i += batch {
				w.Post(read)
				w.RunPending()
			}
			b.StopTimer()
			if want := (b.N + batch - 1) / batch * batch * len(answer); int(out) != want {
				b.Fatalf("the client got %d bytes, want %d", out, want)
			}
		})
	}
}
