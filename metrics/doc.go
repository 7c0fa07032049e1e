// Package metrics exposes a running sluice program to Prometheus.
//
// New returns a prometheus.Collector that a Go host registers in its own
// registry (the sluice command serves it on --metrics=ADDR):
//
//	c := metrics.New(pr)
//	reg := prometheus.NewRegistry()
//	reg.MustRegister(c)
//	http1.SetObserver(c.HTTP()) // per-request HTTP/1 figures
//
// Most values are counters the engine keeps anyway (streams per pipeline,
// connections per listener and upstream), read when Prometheus scrapes;
// what only a worker knows (its queue, its upstream pools, how late it runs)
// is asked of each worker at scrape time. Per request, only the HTTP
// observer adds work: two clock reads, a counter and a histogram
// observation. Labels are bounded: listen addresses, pipeline names,
// upstream addresses, methods (unusual ones are "other"), status classes,
// error kinds and script positions; never client addresses or paths.
//
// Counters of a pipeline start again from zero when a reload replaces it;
// Prometheus' rate() and increase() take such resets in their stride.
package metrics
