package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRunLeavesNothingRunning runs the command on a script that proxies to
// an upstream through a pool and runs a process from a task, with --watch
// and --metrics; serves requests, reloads on a file change with a request
// in flight, and stops on SIGTERM: the request in flight is answered, the
// exit code is 0, and no goroutine of sluice's and no descriptor is left.
func TestRunLeavesNothingRunning(t *testing.T) {
	up, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	release, slowIn := make(chan struct{}), make(chan struct{})
	upDone := make(chan struct{})
	go func() {
		defer close(upDone)
		(&http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/slow" {
				close(slowIn)
				<-release
			}
			io.WriteString(w, "up"+r.URL.Path)
		})}).Serve(up)
	}()
	check := pipelinetest.LeakCheck(t)
	src := fmt.Sprintf(`pipy()
.listen('127.0.0.1:0')
  .decodeHttpRequest()
  .muxHTTP('%s')
  .encodeHttpResponse()
.task()
  .exec(['sleep', '1000'])
`, up.Addr())
	path := writeScript(t, src)
	sig, done, waitFor, _ := startRun(t, "--watch", "--metrics=127.0.0.1:0", "--drain=1h", path)
	httpAddr := waitFor(`msg=listening addr=(\S+)`)[1]
	waitFor(`msg=metrics addr=`)
	waitFor(`msg=watching`)

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	get := func(p string) string {
		res, err := client.Get("http://" + httpAddr + p)
		if err != nil {
			return err.Error()
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	assert.Equal(t, "up/a", get("/a"))

	slow := make(chan string, 1)
	go func() {
		tr := &http.Transport{}
		defer tr.CloseIdleConnections()
		res, err := (&http.Client{Transport: tr, Timeout: 30 * time.Second}).Get("http://" + httpAddr + "/slow")
		if err != nil {
			slow <- err.Error()
			return
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		slow <- string(b)
	}()
	require.NoError(t, os.WriteFile(path, []byte(src+"\n// changed\n"), 0o644))
	waitFor(`msg=reloaded`)
	assert.Equal(t, "up/b", get("/b"))

	<-slowIn // in flight at the upstream
	sig <- syscall.SIGTERM
	waitFor(`msg="shutting down"`)
	close(release) // the request in flight is answered during the drain
	assert.Equal(t, "up/slow", <-slow)
	rest := waitFor(`msg=(stopped|"drain ended.*)`)
	assert.Equal(t, "stopped", rest[1])
	select {
	case code := <-done:
		assert.Equal(t, 0, code)
	case <-time.After(20 * time.Second):
		t.Fatal("sluice did not exit after SIGTERM")
	}
	tr.CloseIdleConnections()
	up.Close()
	<-upDone
	check()
}
