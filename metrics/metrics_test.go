package metrics_test

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/internal/testnet"
	"github.com/sluice-go/sluice/metrics"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/script"
)

// start runs src (a script) with a Collector registered and its HTTP
// observer installed; it returns the program and a function that scrapes
// /metrics and parses the text with expfmt.
func start(t *testing.T, src string) (*pipeline.Program, *metrics.Collector, func() map[string]*dto.MetricFamily) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "main.js")
	require.NoError(t, os.WriteFile(path, []byte(src), 0o644))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	m, err := script.Load(path, script.Options{ListenHost: "127.0.0.1", Logger: log})
	require.NoError(t, err)
	pr, err := pipeline.Start(m, pipeline.StartOptions{Workers: 1, WorkerOptions: pipeline.WorkerOptions{Logger: log}})
	require.NoError(t, err)
	t.Cleanup(func() { pr.Close() })
	c := metrics.New(pr)
	http1.SetObserver(c.HTTP())
	t.Cleanup(func() { http1.SetObserver(nil) })
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	t.Cleanup(srv.Close)
	scrape := func() map[string]*dto.MetricFamily {
		t.Helper()
		res, err := http.Get(srv.URL)
		require.NoError(t, err)
		defer res.Body.Close()
		require.Equal(t, 200, res.StatusCode)
		p := expfmt.NewTextParser(model.UTF8Validation)
		fams, err := p.TextToMetricFamilies(res.Body)
		require.NoError(t, err)
		return fams
	}
	return pr, c, scrape
}

// value returns the value of the sample of family name whose labels include
// want (label=value pairs), or -1 when there is none.
func value(fams map[string]*dto.MetricFamily, name string, want ...string) float64 {
	f := fams[name]
	if f == nil {
		return -1
	}
next:
	for _, m := range f.Metric {
		labels := map[string]string{}
		for _, l := range m.Label {
			labels[l.GetName()] = l.GetValue()
		}
		for i := 0; i+1 < len(want); i += 2 {
			if labels[want[i]] != want[i+1] {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return -1
}

// get requests path on its own connection and returns the status.
func get(t *testing.T, addr, path string) int {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	res, err := c.Get("http://" + addr + path)
	require.NoError(t, err)
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

func TestScrapeAfterTraffic(t *testing.T) {
	live := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "live") }))
	defer live.Close()
	liveAddr, dead := live.Listener.Addr().String(), testnet.RefusedAddr(t)
	pr, _, scrape := start(t, fmt.Sprintf(`
pipy({ _path: '' })
.listen(0)
  .decodeHttpRequest()
  .demux('route')
  .encodeHttpResponse()
.pipeline('route')
  .onMessageStart(e => { _path = e.head.path; if (_path === '/throw') throw new Error('boom') })
  .link('hello', () => _path === '/hello', 'pooled', () => _path === '/pooled', 'proxy')
.pipeline('pooled')
  .muxHTTP(() => '%[2]s')
.pipeline('hello')
  .replaceMessage(new Message('hello'))
.pipeline('proxy')
  .encodeHttpRequest()
  .connect(() => _path === '/dead' ? '%[1]s' : '%[2]s')
  .decodeHttpResponse()
`, dead, liveAddr))
	addr := pr.Addrs()[0].String()
	require.Equal(t, 200, get(t, addr, "/hello"))
	require.Equal(t, 200, get(t, addr, "/hello"))
	require.Equal(t, 200, get(t, addr, "/live"))
	// Without "Connection: close", which would close the pooled connection too.
	tr := &http.Transport{}
	res, err := (&http.Client{Transport: tr}).Get("http://" + addr + "/pooled")
	require.NoError(t, err)
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	tr.CloseIdleConnections()
	require.Equal(t, 200, res.StatusCode)
	require.Equal(t, 503, get(t, addr, "/dead"))
	require.Equal(t, 500, get(t, addr, "/throw"))
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	io.WriteString(c, "BAD REQUEST\r\n\r\n")
	line, _ := bufio.NewReader(c).ReadString('\n')
	c.Close()
	require.True(t, strings.HasPrefix(line, "HTTP/1.1 400"), line)
	// Every connection has closed: all its bytes are counted.
	require.Eventually(t, func() bool { return pr.Listeners()[0].Open == 0 }, 5*time.Second, 5*time.Millisecond)

	f := scrape()
	require.Equal(t, 4.0, value(f, "sluice_http_requests_total", "method", "GET", "code", "2xx"))
	require.Equal(t, 2.0, value(f, "sluice_http_requests_total", "method", "GET", "code", "5xx"))
	require.Equal(t, 6.0, value(f, "sluice_http_request_duration_seconds"))
	require.Equal(t, 1.0, value(f, "sluice_http_requests_refused_total", "code", "400"))
	require.Equal(t, 7.0, value(f, "sluice_listener_connections_accepted_total", "listen", addr))
	require.Equal(t, 0.0, value(f, "sluice_listener_connections_active", "listen", addr))
	require.Greater(t, value(f, "sluice_listener_received_bytes_total", "listen", addr), 5.0*30)
	require.Greater(t, value(f, "sluice_listener_sent_bytes_total", "listen", addr), 5.0*40)
	require.Equal(t, 2.0, value(f, "sluice_upstream_connections_opened_total", "upstream", liveAddr), "connect's and the pool's")
	require.Equal(t, 1.0, value(f, "sluice_upstream_connections_active", "upstream", liveAddr), "the pool's, idle")
	require.Equal(t, 1.0, value(f, "sluice_pool_connections", "upstream", liveAddr, "state", "idle"))
	require.Equal(t, 0.0, value(f, "sluice_pool_connections", "upstream", liveAddr, "state", "in_use"))
	require.Equal(t, 1.0, value(f, "sluice_upstream_connections_failed_total", "upstream", dead, "kind", "connection refused"))
	require.Equal(t, 0.0, value(f, "sluice_upstream_connections_opened_total", "upstream", dead))
	var pos string
	for _, m := range f["sluice_script_callback_errors_total"].GetMetric() {
		if strings.HasSuffix(m.Label[0].GetValue(), "main.js:8:77") {
			pos = m.Label[0].GetValue()
			require.Equal(t, 1.0, m.Counter.GetValue())
		}
	}
	require.NotEmpty(t, pos, "no callback error at main.js:8:77 in %v", f["sluice_script_callback_errors_total"])
	require.Equal(t, 0.0, value(f, "sluice_worker_unresponsive"))
	require.GreaterOrEqual(t, value(f, "sluice_worker_lag_seconds"), 0.0)
	require.Greater(t, value(f, "sluice_listener_streams_ended_total", "listen", addr, "kind", "none"), 0.0)
}
