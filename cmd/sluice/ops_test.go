package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// opsRun is a sluice run in the test's process (see startRun), stopped
// with SIGINT at the end of the test if the test did not stop it.
type opsRun struct {
	t       *testing.T
	sig     chan os.Signal
	done    chan int
	waitFor func(string) []string
	discard func()
}

func startOpsRun(t *testing.T, args ...string) *opsRun {
	t.Helper()
	r := &opsRun{t: t}
	r.sig, r.done, r.waitFor, r.discard = startRun(t, args...)
	t.Cleanup(func() {
		r.discard()
		select {
		case r.sig <- syscall.SIGINT:
		default:
		}
		r.exited()
	})
	return r
}

// exited waits for the run to return and gives its exit status.
func (r *opsRun) exited() int {
	r.t.Helper()
	r.discard()
	select {
	case code := <-r.done:
		r.done <- code // for Cleanup
		return code
	case <-time.After(20 * time.Second):
		r.t.Fatal("sluice did not exit")
		return -1
	}
}

// fetch GETs url on a new connection and returns the status and body.
func fetch(url string) (int, string, error) {
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	res, err := c.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, string(b), err
}

// configMap lays out dir as Kubernetes mounts a ConfigMap: main.js is a
// link to ..data/main.js, ..data a link to a timestamped directory.
type configMap struct {
	t   *testing.T
	dir string
	gen int
}

// update writes a new version of main.js and swaps ..data to it
// atomically (a rename of a new link over the old one), as the kubelet does.
func (c *configMap) update(src string) {
	c.t.Helper()
	c.gen++
	ts := fmt.Sprintf("..2026_12_06_%02d", c.gen)
	require.NoError(c.t, os.Mkdir(filepath.Join(c.dir, ts), 0o755))
	require.NoError(c.t, os.WriteFile(filepath.Join(c.dir, ts, "main.js"), []byte(src), 0o644))
	tmp := filepath.Join(c.dir, "..data_tmp")
	require.NoError(c.t, os.Symlink(ts, tmp))
	require.NoError(c.t, os.Rename(tmp, filepath.Join(c.dir, "..data")))
	if c.gen == 1 {
		require.NoError(c.t, os.Symlink(filepath.Join("..data", "main.js"), filepath.Join(c.dir, "main.js")))
	}
}

func TestWatchFollowsAConfigMapSwapAndKeepsTheRunningConfigOnABrokenOne(t *testing.T) {
	hello := func(s string) string {
		return "pipy()\n.listen('127.0.0.1:0')\n  .decodeHttpRequest()\n  .replaceMessage(new Message('" + s + "'))\n  .encodeHttpResponse()\n"
	}
	cm := &configMap{t: t, dir: t.TempDir()}
	cm.update(hello("one"))
	r := startOpsRun(t, "--watch", "--metrics=127.0.0.1:0", filepath.Join(cm.dir, "main.js"))
	addr := r.waitFor(`msg=listening addr=(\S+)`)[1]
	metricsAddr := r.waitFor(`msg=metrics addr=(\S+)`)[1]
	r.waitFor(`msg=watching`)

	// A client requests all along, each request on a new connection.
	var failures atomic.Int64
	var last atomic.Value
	last.Store("")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			code, body, err := fetch("http://" + addr + "/")
			if err != nil || code != 200 {
				failures.Add(1)
				t.Errorf("request failed: %d %v", code, err)
				continue
			}
			last.Store(body)
		}
	}()
	defer func() { close(stop); wg.Wait() }()

	cm.update(hello("two"))
	r.waitFor(`msg=reloaded`)
	require.Eventually(t, func() bool { return last.Load() == "two" }, 10*time.Second, time.Millisecond)

	cm.update("pipy()\n.listen('127.0.0.1:0')\n  .decodeHttpRequest()\n  .replaceMessage(new Message('three')\n")
	m := r.waitFor(`msg="reload failed; keeping the running configuration".*err=.*(main\.js:\d+:\d+)`)
	assert.NotEmpty(t, m[1], "the error names file:line:col")
	code, body, err := fetch("http://" + addr + "/")
	require.NoError(t, err)
	assert.Equal(t, 200, code)
	assert.Equal(t, "two", body, "the running configuration is the first change")
	assert.Zero(t, failures.Load())

	_, text, err := fetch("http://" + metricsAddr + "/metrics")
	require.NoError(t, err)
	assert.Contains(t, text, `sluice_reloads_total{outcome="ok"} 1`)
	assert.Contains(t, text, `sluice_reloads_total{outcome="failed"} 1`)
}

func TestTermFailsReadinessAtOnceLetsRequestsFinishAndRefusesNewConnections(t *testing.T) {
	arrived, release := make(chan struct{}, 1), make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-release
		io.WriteString(w, "late")
	}))
	defer up.Close()
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()
	path := writeScript(t, "pipy()\n.listen('127.0.0.1:0')\n  .decodeHttpRequest()\n  .encodeHttpRequest()\n"+
		"  .connect('"+up.Listener.Addr().String()+"')\n  .decodeHttpResponse()\n  .encodeHttpResponse()\n")
	accessPath := filepath.Join(t.TempDir(), "access.log")
	r := startOpsRun(t, "--metrics=127.0.0.1:0", "--drain=1h", "--access-log="+accessPath, path)
	addr := r.waitFor(`msg=listening addr=(\S+)`)[1]
	metricsAddr := r.waitFor(`msg=metrics addr=(\S+)`)[1]
	code, _, err := fetch("http://" + metricsAddr + "/readyz")
	require.NoError(t, err)
	require.Equal(t, 200, code)
	code, _, err = fetch("http://" + metricsAddr + "/healthz")
	require.NoError(t, err)
	require.Equal(t, 200, code)

	type result struct {
		code int
		body string
		err  error
	}
	inflight := make(chan result, 1)
	go func() {
		c, b, err := fetch("http://" + addr + "/")
		inflight <- result{c, b, err}
	}()
	<-arrived

	r.sig <- syscall.SIGTERM
	r.waitFor(`msg="shutting down"`)
	code, _, err = fetch("http://" + metricsAddr + "/readyz")
	require.NoError(t, err)
	assert.Equal(t, 503, code, "not ready once the drain has begun")
	code, _, err = fetch("http://" + metricsAddr + "/healthz")
	require.NoError(t, err)
	assert.Equal(t, 200, code, "still alive while draining")
	require.Eventually(t, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err != nil
	}, 10*time.Second, time.Millisecond, "new connections are refused")

	close(release)
	res := <-inflight
	require.NoError(t, res.err)
	assert.Equal(t, 200, res.code)
	assert.Equal(t, "late", res.body, "the request in flight finished")
	assert.Equal(t, 0, r.exited())
	b, err := os.ReadFile(accessPath)
	require.NoError(t, err)
	assert.Regexp(t, `msg=access client=127\.0\.0\.1:\d+ method=GET path=/ status=200 bytes=4 duration=\S+ upstream=`+regexp.QuoteMeta(up.Listener.Addr().String())+`\n$`, string(b))
}

func TestStatusIsJSONAndLogsCanBeJSON(t *testing.T) {
	path := writeScript(t, "pipy()\n.listen('127.0.0.1:0')\n  .decodeHttpRequest()\n  .replaceMessage(new Message('hi'))\n  .encodeHttpResponse()\n")
	accessPath := filepath.Join(t.TempDir(), "access.log")
	r := startOpsRun(t, "--metrics=127.0.0.1:0", "--log-format=json", "--access-log="+accessPath, path)
	addr := r.waitFor(`"msg":"listening","addr":"([^"]+)"`)[1]
	metricsAddr := r.waitFor(`"msg":"metrics","addr":"([^"]+)"`)[1]
	code, _, err := fetch("http://" + addr + "/a/path?q=1")
	require.NoError(t, err)
	require.Equal(t, 200, code)
	code, body, err := fetch("http://" + metricsAddr + "/status")
	require.NoError(t, err)
	require.Equal(t, 200, code)
	assert.Regexp(t, `"pipeline": "127.0.0.1:\d+",\s+"allocated": 1,`, body)
	assert.Contains(t, body, `"inbound": [`)
	assert.Regexp(t, `"workers": \[\s+\{\s+"id": \d+,\s+"queued": \d+`, body)

	r.sig <- syscall.SIGTERM
	assert.Equal(t, 0, r.exited())
	b, err := os.ReadFile(accessPath)
	require.NoError(t, err)
	line := strings.TrimSpace(string(b))
	assert.Regexp(t, `^\{"time":"[^"]+","level":"INFO","msg":"access","client":"127\.0\.0\.1:\d+","method":"GET","path":"/a/path\?q=1","status":200,"bytes":2,"duration":\d+,"upstream":""\}$`, line)

	code, _, errOut := runArgs("--log-format=xml", path)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "--log-format")
}

func TestDrainDelayKeepsServingWhileNotReady(t *testing.T) {
	path := writeScript(t, "pipy()\n.listen('127.0.0.1:0')\n  .decodeHttpRequest()\n  .replaceMessage(new Message('hi'))\n  .encodeHttpResponse()\n")
	r := startOpsRun(t, "--metrics=127.0.0.1:0", "--drain-delay=1h", path)
	addr := r.waitFor(`msg=listening addr=(\S+)`)[1]
	metricsAddr := r.waitFor(`msg=metrics addr=(\S+)`)[1]

	r.sig <- syscall.SIGTERM
	r.waitFor(`msg="draining: not ready, still listening"`)
	code, _, err := fetch("http://" + metricsAddr + "/readyz")
	require.NoError(t, err)
	assert.Equal(t, 503, code, "not ready during the delay")
	code, body, err := fetch("http://" + addr + "/")
	require.NoError(t, err, "still listening during the delay")
	assert.Equal(t, 200, code)
	assert.Equal(t, "hi", body)

	r.sig <- syscall.SIGTERM // a second signal ends the delay
	r.waitFor(`msg="shutting down"`)
	assert.Equal(t, 0, r.exited())
}
