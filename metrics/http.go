package metrics

import (
	"strconv"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sluice-go/sluice/codec/http1"
)

// methods are the request methods counted by name; others count as "other".
var methods = [...]string{"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "other"}

// classes are the status classes, by status/100 - 1.
var classes = [...]string{"1xx", "2xx", "3xx", "4xx", "5xx"}

// methodIndex returns m's index in methods.
func methodIndex(m string) int {
	for i, n := range methods[:len(methods)-1] {
		if n == m {
			return i
		}
	}
	return len(methods) - 1
}

// HTTP counts the requests HTTP/1 server pipelines answer and refuse. It is
// an http1.Observer; install it with http1.SetObserver. Its methods are
// safe for concurrent use.
type HTTP struct {
	requests [len(methods)][len(classes)]atomic.Int64
	refused  [600]atomic.Int64 // by status
	duration prometheus.Histogram
	next     http1.Observer
}

// newHTTP returns an HTTP observer.
func newHTTP() *HTTP {
	return &HTTP{duration: prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "sluice_http_request_duration_seconds",
		Help:    "Time from a request's head being decoded to the last byte of its response being passed on.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	})}
}

// Answered counts x.
func (h *HTTP) Answered(x *http1.Exchange) {
	if c := x.Status/100 - 1; c >= 0 && c < len(classes) {
		h.requests[methodIndex(x.Method)][c].Add(1)
	}
	h.duration.Observe(x.Duration.Seconds())
	if h.next != nil {
		h.next.Answered(x)
	}
}

// Refused counts a refused request.
func (h *HTTP) Refused(status int) {
	if status >= 0 && status < len(h.refused) {
		h.refused[status].Add(1)
	}
	if h.next != nil {
		h.next.Refused(status)
	}
}

// Then returns h passing every call on to next as well (an access log), for
// http1.SetObserver, which takes one observer.
func (h *HTTP) Then(next http1.Observer) *HTTP {
	h.next = next
	return h
}

var (
	descRequests = prometheus.NewDesc("sluice_http_requests_total",
		"HTTP/1 requests answered by server pipelines, by method and status class.", []string{"method", "code"}, nil)
	descRefused = prometheus.NewDesc("sluice_http_requests_refused_total",
		"HTTP/1 requests a request decoder refused, by the status answered.", []string{"code"}, nil)
)

// collect sends h's metrics to ch.
func (h *HTTP) collect(ch chan<- prometheus.Metric) {
	for m := range h.requests {
		for c := range h.requests[m] {
			if n := h.requests[m][c].Load(); n > 0 {
				ch <- prometheus.MustNewConstMetric(descRequests, prometheus.CounterValue, float64(n), methods[m], classes[c])
			}
		}
	}
	for s := range h.refused {
		if n := h.refused[s].Load(); n > 0 {
			ch <- prometheus.MustNewConstMetric(descRefused, prometheus.CounterValue, float64(n), strconv.Itoa(s))
		}
	}
	ch <- h.duration
}
