package metrics_test

import (
	"strings"
	"testing"

	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/metrics"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
)

// BenchmarkHelloObserved runs the hello pipeline (decode, replace, encode)
// in process, 64 pipelined requests per input, with and without the
// metrics' HTTP observer: the per-request cost of --metrics, apart from
// sockets and the noise of a shared machine. ns/op is per request.
func BenchmarkHelloObserved(b *testing.B) {
	const batch = 64
	reqs := strings.Repeat("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n", batch)
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
			h := pipelinetest.Of(b, http1.DecodeRequest(),
				filter.ReplaceMessage(func(_ *pipeline.Stream, _ *event.Message, out pipeline.Target) {
					out.Input(&event.MessageStart{})
					out.Input(event.FromString("Hello, World!\n"))
					out.Input(&event.MessageEnd{})
				}),
				http1.EncodeResponse(nil))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i += batch {
				h.InputString(reqs)
				h.Take()
			}
		})
	}
}
