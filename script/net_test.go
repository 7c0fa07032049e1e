package script_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluice-go/sluice/internal/testnet"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/sluice-go/sluice/script"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dialListen runs m on one worker and dials its first listener; both are
// closed at cleanup.
func dialListen(t *testing.T, m *pipeline.Module) net.Conn {
	t.Helper()
	pr, err := pipeline.Start(m, pipeline.StartOptions{Workers: 1, WorkerOptions: pipeline.WorkerOptions{Logger: pipelinetest.TestLogger(t)}})
	require.NoError(t, err)
	t.Cleanup(func() { pr.Close() })
	c, err := net.Dial("tcp", pr.Addrs()[0].String())
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// TestListenEcho serves a script's listen pipeline on loopback and talks to
// it over TCP.
func TestListenEcho(t *testing.T) {
	m := load(t, `
pipy()
.listen(0)
  .replaceData(d => new Data(d.toString().toUpperCase()))
`, script.Options{ListenHost: "127.0.0.1"})
	c := dialListen(t, m)
	_, err := c.Write([]byte("hello"))
	require.NoError(t, err)
	c.(*net.TCPConn).CloseWrite()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	b, err := io.ReadAll(c)
	require.NoError(t, err)
	assert.Equal(t, "HELLO", string(b))
}

// TestConcurrentClients runs 100 TCP clients at once against a script that
// uses context variables, fork, wait and link on two workers (run it with
// -race).
func TestConcurrentClients(t *testing.T) {
	m := load(t, `
pipy({ _port: 0, _ready: false, _stats: { n: 0 } })
.listen(0)
  .onSessionStart(() => { _port = __inbound.remotePort; _stats.n++ })
  .fork('side')
  .wait(() => _ready)
  .link('tagged', () => _port % 2 === 0, 'plain')
.pipeline('side')
  .onData(() => { _ready = true })
.pipeline('tagged')
  .replaceData(d => new Data('even:' + _port + ':' + d.toString()))
.pipeline('plain')
  .replaceData(d => new Data('odd:' + _port + ':' + d.toString()))
`, script.Options{ListenHost: "127.0.0.1"})
	check := pipelinetest.LeakCheck(t)
	g := pipeline.NewGroup(2, pipeline.WorkerOptions{Logger: pipelinetest.TestLogger(t)})
	pr, err := pipeline.Start(m, pipeline.StartOptions{Group: g})
	require.NoError(t, err)
	defer func() {
		pr.Close()
		g.Close()
		check()
	}()
	addr := pr.Addrs()[0].String()

	const clients = 100
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- client(addr, fmt.Sprintf("msg%d", i))
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
}

// client sends msg, half-closes, and checks the answer names its own port.
func client(addr, msg string) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := c.Write([]byte(msg)); err != nil {
		return err
	}
	c.(*net.TCPConn).CloseWrite()
	b, err := io.ReadAll(c)
	if err != nil {
		return err
	}
	port := c.LocalAddr().(*net.TCPAddr).Port
	kind := "odd"
	if port%2 == 0 {
		kind = "even"
	}
	prefix := kind + ":" + strconv.Itoa(port) + ":"
	got := string(b)
	if !strings.HasPrefix(got, prefix) || strings.ReplaceAll(got, prefix, "") != msg {
		return fmt.Errorf("client on port %d sent %q, got %q", port, msg, got)
	}
	return nil
}

// TestHTTPProxy runs the classic Pipy reverse proxy configuration in front
// of a net/http server, changing a request header on the way.
func TestHTTPProxy(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Backend", "yes")
		fmt.Fprintf(w, "%s %s tag=%s", r.Method, r.URL.Path, r.Header.Get("X-Tag"))
	}))
	defer backend.Close()
	m := load(t, `
pipy({ _target: '`+strings.TrimPrefix(backend.URL, "http://")+`' })
.listen(0)
  .decodeHttpRequest()
  .demux('forward')
  .encodeHttpResponse()
.pipeline('forward')
  .onMessageStart(e => { e.head.headers['x-tag'] = 'via-' + e.head.method })
  .encodeHttpRequest()
  .connect(() => _target)
  .decodeHttpResponse()
  .onMessageStart(e => { e.head.headers['x-proxy'] = 'sluice' })
`, script.Options{ListenHost: "127.0.0.1"})
	pr, err := pipeline.Start(m, pipeline.StartOptions{Workers: 2, WorkerOptions: pipeline.WorkerOptions{Logger: pipelinetest.TestLogger(t)}})
	require.NoError(t, err)
	defer pr.Close()
	client := &http.Client{Timeout: 10 * time.Second}
	for range 3 {
		resp, err := client.Get("http://" + pr.Addrs()[0].String() + "/hello")
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, "GET /hello tag=via-GET", string(body))
		assert.Equal(t, "yes", resp.Header.Get("X-Backend"))
		assert.Equal(t, "sluice", resp.Header.Get("X-Proxy"))
	}
}

// TestConnectDialAtStart: connect's dialAtStart option (a sluice extension)
// lets an upstream whose server speaks first greet a client that has sent
// nothing.
func TestConnectDialAtStart(t *testing.T) {
	up := testnet.Serve(t, func(c *net.TCPConn) { io.WriteString(c, "220 hello\n") })
	m := load(t, `
pipy()
.listen(0)
  .connect('`+up.Addr()+`', { dialAtStart: true })
`, script.Options{ListenHost: "127.0.0.1"})
	c := dialListen(t, m)
	c.SetDeadline(time.Now().Add(10 * time.Second))
	b, err := io.ReadAll(c)
	require.NoError(t, err)
	assert.Equal(t, "220 hello\n", string(b))
}
