package metrics_test

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/metrics"
)

// The request duration histogram puts each duration in the first bucket
// whose upper bound it does not exceed, counts and sums them all.
func TestRequestDurationHistogram(t *testing.T) {
	c := metrics.New(nil)
	for _, d := range []time.Duration{0, 500 * time.Microsecond, 501 * time.Microsecond, 2 * time.Millisecond, 20 * time.Second} {
		c.HTTP().Answered(&http1.Exchange{Method: "GET", Status: 200, Duration: d})
	}
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(c))
	fams, err := reg.Gather()
	require.NoError(t, err)
	var found bool
	for _, f := range fams {
		if f.GetName() != "sluice_http_request_duration_seconds" {
			continue
		}
		found = true
		h := f.GetMetric()[0].GetHistogram()
		require.Equal(t, uint64(5), h.GetSampleCount())
		require.InDelta(t, 20.003001, h.GetSampleSum(), 1e-9)
		want := map[float64]uint64{.0005: 2, .001: 3, .0025: 4, 5: 4, 10: 4}
		for _, b := range h.GetBucket() {
			if n, ok := want[b.GetUpperBound()]; ok {
				require.Equal(t, n, b.GetCumulativeCount(), "bucket le=%v", b.GetUpperBound())
			}
		}
	}
	require.True(t, found, "no duration histogram")
}
