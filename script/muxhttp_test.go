package script_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/sluice-go/sluice/script"
)

// TestProxyLayoutsDoNotCancelUpstream: a net/http upstream whose handler
// waits 300 ms unless its request's context is cancelled, behind the JS
// proxy in its demux layout and its pool (muxHTTP) layout: every answer is
// the handler's, no context is cancelled, and the pool uses at most its
// maxConnections upstream connections.
func TestProxyLayoutsDoNotCancelUpstream(t *testing.T) {
	for _, tc := range []struct{ name, src string }{
		{"demux", `
pipy()
.listen(0)
  .decodeHttpRequest()
  .demux('forward')
  .encodeHttpResponse()
.pipeline('forward')
  .encodeHttpRequest()
  .connect('%s')
  .decodeHttpResponse()
`},
		{"muxHTTP", `
pipy()
.listen(0)
  .decodeHttpRequest()
  .muxHTTP('%s', { maxConnections: 4, answerTimeout: '10s' })
  .encodeHttpResponse()
`},
		{"muxHTTP function", `
pipy({ _target: '%s' })
.listen(0)
  .decodeHttpRequest()
  .muxHTTP(evt => evt.head.path.startsWith('/r') ? _target : 'nowhere:1', { maxConnections: 4 })
  .encodeHttpResponse()
`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var cancelled, accepted atomic.Int32
			up := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-time.After(300 * time.Millisecond):
					io.WriteString(w, "full answer to "+r.URL.Path)
				case <-r.Context().Done():
					cancelled.Add(1)
				}
			}))
			up.Config.ConnState = func(_ net.Conn, s http.ConnState) {
				if s == http.StateNew {
					accepted.Add(1)
				}
			}
			up.Start()
			defer up.Close()
			m := load(t, fmt.Sprintf(tc.src, strings.TrimPrefix(up.URL, "http://")), script.Options{ListenHost: "127.0.0.1"})
			pr, err := pipeline.Start(m, pipeline.StartOptions{Workers: 1, WorkerOptions: pipeline.WorkerOptions{Logger: pipelinetest.TestLogger(t)}})
			require.NoError(t, err)
			defer pr.Close()
			addr := pr.Addrs()[0].String()

			tr := &http.Transport{MaxConnsPerHost: 10}
			defer tr.CloseIdleConnections()
			c := &http.Client{Transport: tr, Timeout: 20 * time.Second}
			var wg sync.WaitGroup
			for i := range 30 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					path := fmt.Sprintf("/r%d", i)
					resp, err := c.Get("http://" + addr + path)
					if !assert.NoError(t, err) {
						return
					}
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					assert.Equal(t, "full answer to "+path, string(b), "%s: %d", path, resp.StatusCode)
				}()
			}
			wg.Wait()
			require.Zero(t, cancelled.Load())
			if strings.HasPrefix(tc.name, "muxHTTP") {
				require.LessOrEqual(t, accepted.Load(), int32(4))
			}
		})
	}
}
