package filter_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/internal/testnet"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/require"
)

// heapWatch samples the heap in use, to see how far a transfer makes it
// grow over where it started.
type heapWatch struct{ base, peak uint64 }

func newHeapWatch() *heapWatch {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return &heapWatch{base: m.HeapInuse, peak: m.HeapInuse}
}

func (w *heapWatch) sample() {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	w.peak = max(w.peak, m.HeapInuse)
}

func (w *heapWatch) growth() uint64 { return w.peak - min(w.base, w.peak) }

// sampledReader yields n zero bytes, sampling the heap every 8 MiB.
type sampledReader struct {
	n, sinceSample int64
	w              *heapWatch
}

func (r *sampledReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	k := min(int64(len(p)), r.n)
	clear(p[:k])
	r.n -= k
	if r.sinceSample += k; r.sinceSample >= 8<<20 {
		r.sinceSample = 0
		r.w.sample()
	}
	return int(k), nil
}

// A body that passes through the HTTP proxy without a collecting filter
// streams: a 256 MiB upload to an upstream that discards it grows the heap
// by a small fraction of its size.
func TestHTTPProxyStreamsLargeUploadInBoundedMemory(t *testing.T) {
	const size = 256 << 20
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		fmt.Fprintf(w, "%d %v", n, err)
	}))
	defer up.Close()
	p := pipeline.New("proxy",
		http1.DecodeRequest(), http1.EncodeRequest(nil),
		filter.Connect(strings.TrimPrefix(up.URL, "http://"), filter.ConnectOptions{}),
		http1.DecodeResponse(), http1.EncodeResponse(nil))
	addr, _ := serveListen(t, p, nil)

	watch := newHeapWatch()
	req, err := http.NewRequest("POST", "http://"+addr+"/upload", &sampledReader{n: size, w: watch})
	require.NoError(t, err)
	req.ContentLength = size
	client := &http.Client{Timeout: 5 * time.Minute}
	resp, err := client.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	watch.sample()
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, fmt.Sprintf("%d <nil>", size), string(body))
	t.Logf("heap growth %d KiB for a %d MiB upload", watch.growth()>>10, size>>20)
	require.LessOrEqual(t, watch.growth(), uint64(64<<20), "heap growth for a %d MiB upload", size>>20)
}

// A collecting filter (replaceMessage, answering each request itself) with
// a 16 MiB bound stops a 256 MiB request there:
// the client gets a 413, the stream ends with a BufferOverflow, and the heap
// grows by about the bound, not the body.
func TestCollectingFilterBoundAnswers413(t *testing.T) {
	const size, bound = 256 << 20, 16 << 20
	called := false
	h := pipelinetest.Of(t, http1.DecodeRequest(),
		filter.ReplaceMessage(func(_ *pipeline.Stream, _ *event.Message, out pipeline.Target) {
			called = true
			pipeline.Emit(out, event.NewMessage(nil, "fine"))
		}, filter.MessageOptions{MaxBodySize: bound}),
		http1.EncodeResponse(nil))
	watch := newHeapWatch()
	h.InputString(fmt.Sprintf("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", size))
	for sent := 0; sent < size && !h.Ended(); sent += 64 << 10 {
		h.Input(event.FromBytes(make([]byte, 64<<10)))
		if sent%(8<<20) == 0 {
			watch.sample()
		}
	}
	out := h.OutputString()
	out = out[:min(len(out), 200)]
	se := h.SessionEnd()
	require.False(t, called)
	require.True(t, strings.HasPrefix(out, "HTTP/1.1 413 "), "output %q", out)
	require.NotNil(t, se)
	require.Equal(t, event.BufferOverflow, se.Err, "%v", se)
	require.ErrorIs(t, se.Cause, event.ErrBodyTooLarge)
	t.Logf("heap growth %d KiB", watch.growth()>>10)
	require.LessOrEqual(t, watch.growth(), uint64(64<<20), "heap growth with a %d MiB bound", bound>>20)
}

// An upgrade passes the plain proxy chain although hop-by-hop fields are
// dropped: the request keeps Connection: upgrade and Upgrade, the 101 keeps
// them on its way back, and the connection then carries the new protocol's
// bytes both ways.
func TestHTTPProxyPassesAnUpgrade(t *testing.T) {
	gotHead := make(chan string, 1)
	up := testnet.Serve(t, func(c *net.TCPConn) {
		c.SetDeadline(time.Now().Add(10 * time.Second))
		r := bufio.NewReader(c)
		var head strings.Builder
		for !strings.HasSuffix(head.String(), "\r\n\r\n") {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			head.WriteString(line)
		}
		gotHead <- head.String()
		io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
		io.Copy(c, r) // echo the new protocol
	})
	p := pipeline.New("proxy",
		http1.DecodeRequest(), http1.EncodeRequest(nil),
		filter.Connect(up.Addr(), filter.ConnectOptions{}),
		http1.DecodeResponse(), http1.EncodeResponse(nil))
	addr, _ := serveListen(t, p, nil)
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "GET /chat HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Upgrade\r\nUpgrade: echo\r\nKeep-Alive: 5\r\n\r\n")
	head := <-gotHead
	lower := strings.ToLower(head)
	require.Contains(t, lower, "connection: keep-alive, upgrade\r\n", "upstream got %q", head)
	require.Contains(t, lower, "upgrade: echo\r\n", "upstream got %q", head)
	require.NotContains(t, lower, "keep-alive: 5", "upstream got %q", head)
	r := bufio.NewReader(c)
	var resp strings.Builder
	for !strings.HasSuffix(resp.String(), "\r\n\r\n") {
		line, err := r.ReadString('\n')
		require.NoError(t, err, "response so far %q", resp.String())
		resp.WriteString(line)
	}
	lower = strings.ToLower(resp.String())
	require.True(t, strings.HasPrefix(lower, "http/1.1 101 "), "client got %q", resp.String())
	require.Contains(t, lower, "upgrade: echo\r\n", "client got %q", resp.String())
	io.WriteString(c, "ping")
	buf := make([]byte, 4)
	_, err = io.ReadFull(r, buf)
	require.NoError(t, err, "tunnel")
	require.Equal(t, "ping", string(buf), "tunnel")
}

// TestHTTPProxyPassesTheLengthOfAHeadAnswer: an answer to HEAD has no body,
// and its Content-Length tells the size of the representation: the proxy
// passes it on, as nginx does, instead of dropping it as framing (a 304's is
// kept the same way: TestDifferentialResponses).
func TestHTTPProxyPassesTheLengthOfAHeadAnswer(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello world")
	}))
	defer up.Close()
	p := pipeline.New("proxy",
		http1.DecodeRequest(), http1.EncodeRequest(nil),
		filter.Connect(up.Listener.Addr().String(), filter.ConnectOptions{}),
		http1.DecodeResponse(), http1.EncodeResponse(nil))
	addr, _ := serveListen(t, p, nil)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}

	resp, err := client.Head("http://" + addr + "/")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode, "HEAD")
	require.Equal(t, "11", resp.Header.Get("Content-Length"), "HEAD")
	resp, err = client.Get("http://" + addr + "/")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, "hello world", string(body), "GET after them")
}
