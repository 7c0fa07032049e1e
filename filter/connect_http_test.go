package filter_test

import (
	"bufio"
	"fmt"
	"github.com/sluice-go/sluice/internal/testnet"
	"github.com/sluice-go/sluice/pipeline"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
)

// TestConnectDirectChainDecoderError: in the direct chain (no demux) a
// request the decoder refuses is answered with its 400, whether connect has
// dialed or not, and a good request before it still gets its own answer.
func TestConnectDirectChainDecoderError(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "good "+r.URL.Path) }))
	defer up.Close()
	addr := strings.TrimPrefix(up.URL, "http://")
	chain := func() *pipelinetest.Harness {
		return pipelinetest.Of(t, http1.DecodeRequest(), http1.EncodeRequest(nil),
			filter.Connect(addr, filter.ConnectOptions{}), http1.DecodeResponse(), http1.EncodeResponse(nil))
	}

	h := chain()
	h.InputString("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")
	h.WaitEnd()
	require.True(t, strings.HasPrefix(h.OutputString(), "HTTP/1.1 400 "), "undialed: %q", h.OutputString())

	h = chain()
	h.InputString("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")
	h.WaitEnd()
	out := h.OutputString()
	require.True(t, strings.HasPrefix(out, "HTTP/1.1 200 "), "the good request's answer first: %q", out)
	require.Contains(t, out, "good /a")
	require.Contains(t, out, "HTTP/1.1 400 ", "then the refusal: %q", out)
}

// slowUpstream is a net/http server whose handler waits 300 ms unless its
// request's context is cancelled (the client left, or sent a FIN), and counts
// the cancellations and the connections it accepted.
type slowUpstream struct {
	*httptest.Server
	cancelled, accepted atomic.Int32
}

func startSlowUpstream(t *testing.T) *slowUpstream {
	u := &slowUpstream{}
	u.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(300 * time.Millisecond):
			io.WriteString(w, "full answer to "+r.URL.Path)
		case <-r.Context().Done():
			u.cancelled.Add(1)
		}
	}))
	u.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			u.accepted.Add(1)
		}
	}
	u.Start()
	t.Cleanup(u.Close)
	return u
}

func (u *slowUpstream) addr() string { return strings.TrimPrefix(u.URL, "http://") }

// proxyGet sends n GET requests over conns client connections in parallel
// and checks each answer is the handler's full answer.
func proxyGet(t *testing.T, addr string, n, conns int) {
	tr := &http.Transport{MaxConnsPerHost: conns, MaxIdleConnsPerHost: conns}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 20 * time.Second}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path := fmt.Sprintf("/r%d", i)
			resp, err := c.Get("http://" + addr + path)
			if err != nil {
				errs <- err
				return
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err == nil && string(body) != "full answer to "+path {
				err = fmt.Errorf("%s: got %d %q", path, resp.StatusCode, body)
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestDemuxConnectDoesNotCancelUpstream: through decodeHttpRequest → demux
// → (encodeHttpRequest → connect → decodeHttpResponse) →
// encodeHttpResponse, the end of each request's stream does not half-close
// its upstream connection, so net/http never sees the client leave and
// every answer is whole.
func TestDemuxConnectDoesNotCancelUpstream(t *testing.T) {
	up := startSlowUpstream(t)
	m := pipeline.NewModule("proxy")
	m.Pipeline("req", http1.EncodeRequest(nil), filter.Connect(up.addr(), filter.ConnectOptions{}), http1.DecodeResponse())
	m.Pipeline("front", http1.DecodeRequest(), filter.Demux(filter.To("req")), http1.EncodeResponse(nil))
	flowBuild(t, m)
	addr := flowServe(t, m.Find("front"), 2)
	proxyGet(t, addr, 20, 5)
	require.Zero(t, up.cancelled.Load(), "the upstream saw a request cancelled")
}

// demuxProxyOnClock serves decodeHttpRequest → demux(encodeHttpRequest →
// connect to upstream → decodeHttpResponse) → encodeHttpResponse on a worker
// with a manual clock, and returns a client connection to it (closed, with
// the server, at the test's end) and the clock.
func demuxProxyOnClock(t *testing.T, upstream string) (net.Conn, *pipelinetest.Clock) {
	t.Helper()
	m := pipeline.NewModule("proxy")
	m.Pipeline("req", http1.EncodeRequest(nil), filter.Connect(upstream, filter.ConnectOptions{}), http1.DecodeResponse())
	m.Pipeline("front", http1.DecodeRequest(), filter.Demux(filter.To("req")), http1.EncodeResponse(nil))
	flowBuild(t, m)
	clock := pipelinetest.NewClock()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	g := pipeline.NewGroup(1, pipeline.WorkerOptions{Clock: clock})
	server := pipeline.NewServer(m.Find("front"), g)
	go server.Serve(ln)
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	t.Cleanup(func() { c.Close(); server.Close(); g.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return c, clock
}

// TestConnectAnswerTimeoutDefaults: a demux request stream's connect gives
// up on an upstream that took the request and never answers after 60 s on
// the worker's clock, and decodeHttpResponse answers 504.
func TestConnectAnswerTimeoutDefaults(t *testing.T) {
	got := make(chan struct{}, 2)
	srv := testnet.Serve(t, func(c *net.TCPConn) {
		b := make([]byte, 1024)
		c.Read(b)
		got <- struct{}{}
		io.Copy(io.Discard, c) // never answers
	})
	c, clock := demuxProxyOnClock(t, srv.Addr())
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	<-got
	clock.Advance(pipeline.DefaultAnswerTimeout+5*time.Second, nil) // below the inbound idle timeout (75 s)
	answer, err := bufio.NewReader(c).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "HTTP/1.1 504 Gateway Timeout\r\n", answer)
}

// TestConnectTunnelOwesNoAnswer: through demux → (encodeHttpRequest →
// connect → decodeHttpResponse), once the upstream answers 101 the stream is
// a tunnel (decodeHttpResponse tells the context, connect turns its answer
// timeout off): bytes the client sends and the upstream leaves unanswered
// for longer than the answer timeout do not cut it, and it passes bytes both
// ways afterwards.
func TestConnectTunnelOwesNoAnswer(t *testing.T) {
	got := make(chan string, 4)
	reply := make(chan struct{})
	srv := testnet.Serve(t, func(c *net.TCPConn) {
		r := bufio.NewReader(c)
		for {
			line, err := r.ReadString('\n')
			if err != nil || line == "\r\n" {
				break
			}
		}
		io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
		b := make([]byte, 5)
		if _, err := io.ReadFull(r, b); err != nil {
			return
		}
		got <- string(b) // read, never answered
		<-reply
		io.WriteString(c, "pong!")
		if _, err := io.ReadFull(r, b); err == nil {
			got <- string(b)
		}
		io.Copy(io.Discard, c)
	})
	c, clock := demuxProxyOnClock(t, srv.Addr())
	io.WriteString(c, "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
	r := bufio.NewReader(c)
	status, err := r.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "HTTP/1.1 101 Switching Protocols\r\n", status)
	for {
		line, err := r.ReadString('\n')
		require.NoError(t, err)
		if line == "\r\n" {
			break
		}
	}
	io.WriteString(c, "ping!")
	require.Equal(t, "ping!", <-got)
	// Past the answer timeout and past HTTP's keep-alive idle timeout (75 s):
	// a tunnel idles as a byte stream (10 min).
	clock.Advance(5*time.Minute, nil)
	close(reply)
	b := make([]byte, 5)
	_, err = io.ReadFull(r, b)
	require.NoError(t, err, "the tunnel was cut")
	require.Equal(t, "pong!", string(b))
	io.WriteString(c, "more!")
	require.Equal(t, "more!", <-got)
}
