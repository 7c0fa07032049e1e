package metrics

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/script"
)

// probeTimeout bounds how long a scrape waits for each worker.
const probeTimeout = time.Second

// Collector is a prometheus.Collector reporting on one running program:
// its listeners, pipelines, upstreams, pools, workers, script errors and
// reloads, and (once installed with http1.SetObserver(c.HTTP())) the HTTP/1
// requests it answers. It is safe for concurrent use.
type Collector struct {
	pr      *pipeline.Program
	http    *HTTP
	reloads *prometheus.CounterVec
}

// New returns a Collector for pr; with pr nil, it reports only what its
// HTTP observer and Reloaded count.
func New(pr *pipeline.Program) *Collector {
	return &Collector{
		pr:   pr,
		http: newHTTP(),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_reloads_total",
			Help: "Configuration reloads, by outcome (ok, failed).",
		}, []string{"outcome"}),
	}
}

// HTTP returns the collector's HTTP/1 observer, for http1.SetObserver.
func (c *Collector) HTTP() *HTTP { return c.http }

// Reloaded counts a reload that succeeded (err nil) or failed.
func (c *Collector) Reloaded(err error) {
	if err != nil {
		c.reloads.WithLabelValues("failed").Inc()
		return
	}
	c.reloads.WithLabelValues("ok").Inc()
}

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, labels, nil)
}

var (
	descAccepted  = desc("sluice_listener_connections_accepted_total", "Connections accepted on a listen address.", "listen")
	descActive    = desc("sluice_listener_connections_active", "Connections open on a listen address.", "listen")
	descLimited   = desc("sluice_listener_connections_limited_total", "Times accepting paused because the pipeline's maxConnections were open (the next connection waits in the backlog; none is refused).", "listen")
	descBytesIn   = desc("sluice_listener_received_bytes_total", "Bytes read from a listener's connections.", "listen")
	descBytesOut  = desc("sluice_listener_sent_bytes_total", "Bytes written to a listener's connections.", "listen")
	descEnded     = desc("sluice_listener_streams_ended_total", "Streams of a listen pipeline that ended, by the error kind of their SessionEnd (\"none\" for a normal end).", "listen", "pipeline", "kind")
	descUpOpened  = desc("sluice_upstream_connections_opened_total", "Outbound connections opened to an upstream address.", "upstream")
	descUpActive  = desc("sluice_upstream_connections_active", "Outbound connections open to an upstream address.", "upstream")
	descUpFailed  = desc("sluice_upstream_connections_failed_total", "Outbound connections that could not be had, after retries, by error kind.", "upstream", "kind")
	descUpRetries = desc("sluice_upstream_connect_retries_total", "Connection attempts to an upstream that were retries.", "upstream")
	descPool      = desc("sluice_pool_connections", "Connections of muxHTTP upstream pools, by state (idle, in_use).", "upstream", "state")
	descPoolWait  = desc("sluice_pool_waiting_requests", "Requests waiting for a pooled upstream connection.", "upstream")
	descPoolRetry = desc("sluice_pool_retries_total", "Requests muxHTTP pools retried on a fresh connection.")
	descQueued    = desc("sluice_worker_queued_tasks", "Tasks waiting for a worker.", "worker")
	descLag       = desc("sluice_worker_lag_seconds", "How long a task posted at scrape time waited for its worker (event-loop lag).", "worker")
	descStuck     = desc("sluice_worker_unresponsive", "1 when a worker did not run a task posted at scrape time within a second.", "worker")
	descScriptErr = desc("sluice_script_callback_errors_total", "Exceptions thrown by (or interrupts of) script callbacks, by script position.", "position")
)

// Describe sends the descriptions of the collector's metrics.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descAccepted, descActive, descLimited, descBytesIn, descBytesOut, descEnded,
		descUpOpened, descUpActive, descUpFailed, descUpRetries, descPool, descPoolWait, descPoolRetry,
		descQueued, descLag, descStuck, descScriptErr, descRequests, descRefused} {
		ch <- d
	}
	c.http.duration.Describe(ch)
	c.reloads.Describe(ch)
}

// kindLabel names an error kind for a label.
func kindLabel(k event.ErrorKind) string {
	if k == event.NoError {
		return "none"
	}
	return k.String()
}

// Collect reads the counters and asks each worker for what only it knows.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	c.http.collect(ch)
	c.reloads.Collect(ch)
	if c.pr == nil {
		return
	}
	for _, l := range c.pr.Listeners() {
		counter(descAccepted, l.Accepted, l.Addr)
		gauge(descActive, float64(l.Open), l.Addr)
		counter(descLimited, l.Limited, l.Addr)
		counter(descBytesIn, l.BytesIn, l.Addr)
		counter(descBytesOut, l.BytesOut, l.Addr)
		if p := l.Pipeline; p != nil {
			for k := event.NoError; k <= event.Timeout; k++ {
				if n := p.Ended(k); n > 0 || k == event.NoError {
					counter(descEnded, n, l.Addr, p.Name, kindLabel(k))
				}
			}
		}
	}
	for _, u := range pipeline.Upstreams() {
		counter(descUpOpened, u.Opened, u.Addr)
		gauge(descUpActive, float64(u.Open), u.Addr)
		counter(descUpRetries, u.Retries, u.Addr)
		for k, n := range u.Failed {
			counter(descUpFailed, n, u.Addr, kindLabel(k))
		}
	}
	_, retried := http1.PoolCounts()
	counter(descPoolRetry, retried)
	type pool struct{ idle, inUse, waiting int }
	pools := map[string]*pool{}
	for _, w := range c.pr.Group.Workers() {
		id := strconv.Itoa(w.ID())
		gauge(descQueued, float64(w.Queued()), id)
		var ps []http1.PoolStats
		lag, ok := w.Probe(probeTimeout, func() { ps = http1.PoolsOn(w) })
		stuck := 0.0
		if !ok {
			stuck = 1
		}
		gauge(descStuck, stuck, id)
		gauge(descLag, lag.Seconds(), id)
		if !ok {
			continue // ps may still be written
		}
		for _, s := range ps {
			p := pools[s.Target]
			if p == nil {
				p = &pool{}
				pools[s.Target] = p
			}
			p.idle += s.Idle
			p.inUse += s.InUse
			p.waiting += s.Waiting
		}
	}
	for t, p := range pools {
		gauge(descPool, float64(p.idle), t, "idle")
		gauge(descPool, float64(p.inUse), t, "in_use")
		gauge(descPoolWait, float64(p.waiting), t)
	}
	for _, e := range script.CallbackErrors() {
		counter(descScriptErr, e.Count, e.Pos)
	}
}
