package http1_test

import (
	"testing"

	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/metrics"
)

// BenchmarkPooledProxyObserved runs BenchmarkMuxHTTPPooledProxy's proxied
// request with and without the metrics' HTTP observer installed: the
// per-request cost of --metrics on the proxy path, apart from sockets.
// Its instructions per request are what bench/README.md's metrics section
// reports (counted with callgrind: wall-clock is noise on a shared machine).
func BenchmarkPooledProxyObserved(b *testing.B) {
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
			request := http1.NewPooledProxyBench(b)
			b.ReportAllocs()
			for b.Loop() {
				request(b)
			}
		})
	}
}
