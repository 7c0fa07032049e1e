package metrics_test

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/metrics"
	"github.com/sluice-go/sluice/pipeline"
)

// A Go host that runs a program registers its collector in its own
// registry, beside its own metrics, and serves them.
func ExampleNew() {
	m := pipeline.NewModule("hello")
	m.Listen("127.0.0.1:0", pipeline.ListenOptions{}, http1.DecodeRequest(), http1.EncodeResponse(nil))
	pr, err := pipeline.Start(m, pipeline.StartOptions{Workers: 1})
	if err != nil {
		panic(err)
	}
	defer pr.Close()

	c := metrics.New(pr)
	http1.SetObserver(c.HTTP()) // requests by method and status, durations
	defer http1.SetObserver(nil)
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	http.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	// go http.ListenAndServe("127.0.0.1:9090", nil)
}
