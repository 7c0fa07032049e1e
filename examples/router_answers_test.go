package examples_test

// Answers through examples/router (decodeHttpRequest, demux, link, muxHTTP,
// encodeHttpResponse): every request gets its own
// answer, in order, streamed; 100 Continue and 101 Switching Protocols pass.

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluice-go/sluice/internal/testnet"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rawUpstream serves each connection with serve on loopback; connections
// and the listener are closed when the test ends.
func rawUpstream(t *testing.T, serve func(c net.Conn)) string {
	return testnet.Serve(t, func(c *net.TCPConn) { serve(c) }).Addr()
}

// readHead reads an HTTP head (up to the empty line) from br.
func readHead(br *bufio.Reader) (string, error) {
	var b strings.Builder
	for {
		line, err := br.ReadString('\n')
		b.WriteString(line)
		if err != nil {
			return b.String(), err
		}
		if line == "\r\n" {
			return b.String(), nil
		}
	}
}

// TestRouterAnswersInOrderWhenAnUpstreamRefuses: pipelined requests, the
// first to a refused upstream: 503, then the second's own answer.
func TestRouterAnswersInOrderWhenAnUpstreamRefuses(t *testing.T) {
	leakCheck(t)
	web := httpUpstream(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprintf(w, "web %s", r.URL.Path) })
	t.Setenv("UPSTREAM_API", closedPort(t))
	t.Setenv("UPSTREAM_WEB", hostOf(web))
	p := start(t, "router", nil)
	c := dial(t, p.addr)
	_, err := io.WriteString(c, "GET /api/a HTTP/1.1\r\nHost: x\r\n\r\nGET /web/b HTTP/1.1\r\nHost: x\r\n\r\n")
	require.NoError(t, err)
	br := bufio.NewReader(c)
	var got []string
	for range 2 {
		resp, err := http.ReadResponse(br, nil)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		got = append(got, fmt.Sprintf("%d %s", resp.StatusCode, body))
	}
	require.Equal(t, "503", got[0][:3])
	require.Equal(t, "200 web /web/b", got[1])
}

// TestRouterExpectContinue: an upload of more than 1 MB with "Expect:
// 100-continue" (the client waits for the 100 before sending its body, for
// longer than the test lasts) passes through, and its answer is its own.
func TestRouterExpectContinue(t *testing.T) {
	leakCheck(t)
	up := httpUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		h := sha256.New()
		n, _ := io.Copy(h, r.Body) // reading sends the 100 Continue
		fmt.Fprintf(w, "%d %x", n, h.Sum(nil))
	})
	t.Setenv("UPSTREAM_API", hostOf(up))
	p := start(t, "router", nil)
	tr := &http.Transport{ExpectContinueTimeout: time.Hour}
	t.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Transport: tr, Timeout: ioTimeout}
	body := make([]byte, 3<<20)
	rand.Read(body)
	want := fmt.Sprintf("%d %x", len(body), sha256.Sum256(body))
	for range 2 { // twice on one connection: the second request gets its own answer
		req, err := http.NewRequest(http.MethodPost, p.url("/api/upload"), bytes.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Expect", "100-continue")
		resp, err := client.Do(req)
		require.NoError(t, err)
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		require.Equal(t, 200, resp.StatusCode)
		require.Equal(t, want, string(got))
	}
}

// wsAccept is the Sec-WebSocket-Accept value for key (RFC 6455).
func wsAccept(key string) string {
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(h[:])
}

// wsReadFrame reads one small frame (payload under 126 bytes), unmasking it.
func wsReadFrame(r io.Reader) (op byte, payload []byte, err error) {
	var h [2]byte
	if _, err = io.ReadFull(r, h[:]); err != nil {
		return 0, nil, err
	}
	n := int(h[1] & 0x7f)
	if n >= 126 {
		return 0, nil, fmt.Errorf("frame too long for the test: %d", n)
	}
	var mask [4]byte
	if h[1]&0x80 != 0 {
		if _, err = io.ReadFull(r, mask[:]); err != nil {
			return 0, nil, err
		}
	}
	payload = make([]byte, n)
	if _, err = io.ReadFull(r, payload); err != nil {
		return 0, nil, err
	}
	if h[1]&0x80 != 0 {
		for i := range payload {
			payload[i] ^= mask[i%4]
		}
	}
	return h[0] & 0x0f, payload, nil
}

// wsFrame makes a final frame of op with payload, masked when mask is set.
func wsFrame(op byte, payload []byte, mask bool) []byte {
	b := []byte{0x80 | op, byte(len(payload))}
	if !mask {
		return append(b, payload...)
	}
	b[1] |= 0x80
	key := [4]byte{1, 2, 3, 4}
	b = append(b, key[:]...)
	for i, c := range payload {
		b = append(b, c^key[i%4])
	}
	return b
}

// wsEchoUpstream is a small WebSocket server: it answers the upgrade
// handshake and echoes each text frame until a close frame.
func wsEchoUpstream(t *testing.T) string {
	return rawUpstream(t, func(c net.Conn) {
		c.SetDeadline(time.Now().Add(ioTimeout))
		br := bufio.NewReader(c)
		head, err := readHead(br)
		if err != nil {
			return
		}
		var key string
		for _, line := range strings.Split(head, "\r\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, "sec-websocket-key") {
				key = strings.TrimSpace(v)
			}
		}
		fmt.Fprintf(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", wsAccept(key))
		for {
			op, payload, err := wsReadFrame(br)
			if err != nil {
				return
			}
			if op == 8 {
				c.Write(wsFrame(8, payload, false))
				return
			}
			c.Write(wsFrame(op, append([]byte("echo:"), payload...), false))
		}
	})
}

// TestRouterWebSocket: the upgrade handshake and frames both ways pass
// through the router to a WebSocket echo server.
func TestRouterWebSocket(t *testing.T) {
	leakCheck(t)
	t.Setenv("UPSTREAM_API", wsEchoUpstream(t))
	p := start(t, "router", nil)
	c := dial(t, p.addr)
	key := base64.StdEncoding.EncodeToString([]byte("0123456789abcdef"))
	_, err := fmt.Fprintf(c, "GET /api/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", key)
	require.NoError(t, err)
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	require.Equal(t, 101, resp.StatusCode)
	require.Equal(t, wsAccept(key), resp.Header.Get("Sec-WebSocket-Accept"))
	for _, msg := range []string{"hello", "again"} {
		_, err = c.Write(wsFrame(1, []byte(msg), true))
		require.NoError(t, err)
		op, payload, err := wsReadFrame(br)
		require.NoError(t, err)
		require.Equal(t, byte(1), op)
		require.Equal(t, "echo:"+msg, string(payload))
	}
	_, err = c.Write(wsFrame(8, []byte{3, 232}, true))
	require.NoError(t, err)
	op, _, err := wsReadFrame(br)
	require.NoError(t, err)
	require.Equal(t, byte(8), op)
	_, err = br.ReadByte()
	require.ErrorIs(t, err, io.EOF, "the upstream's close closes the client's connection")
}

// TestRouterUpstreamDiesMidAnswer: the client gets the answer as far as it
// came, then the connection closes; it does not hang.
func TestRouterUpstreamDiesMidAnswer(t *testing.T) {
	leakCheck(t)
	t.Setenv("UPSTREAM_API", rawUpstream(t, func(c net.Conn) {
		c.SetDeadline(time.Now().Add(ioTimeout))
		if _, err := readHead(bufio.NewReader(c)); err != nil {
			return
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n"+strings.Repeat("x", 40000))
	}))
	p := start(t, "router", nil)
	c := dial(t, p.addr)
	_, err := io.WriteString(c, "GET /api/big HTTP/1.1\r\nHost: x\r\n\r\n")
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode)
	body, err := io.ReadAll(resp.Body)
	require.ErrorIs(t, err, io.ErrUnexpectedEOF, "a cut answer, then a close")
	require.Equal(t, strings.Repeat("x", 40000), string(body))
}

// TestRouterStreamsEventsLive: an answer whose body arrives in pieces
// reaches the client piece by piece: each piece is read before the upstream
// produces the next.
func TestRouterStreamsEventsLive(t *testing.T) {
	leakCheck(t)
	next := make(chan struct{})
	up := httpUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := range 3 {
			select {
			case <-next:
			case <-r.Context().Done():
				return
			}
			fmt.Fprintf(w, "data: %d\n\n", i)
			w.(http.Flusher).Flush()
		}
	})
	t.Setenv("UPSTREAM_API", hostOf(up))
	p := start(t, "router", nil)
	go func() { next <- struct{}{} }() // the upstream's head goes with its first piece
	resp, err := httpClient(t, nil).Get(p.url("/api/events"))
	require.NoError(t, err)
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	for i := range 3 {
		if i > 0 {
			select {
			case next <- struct{}{}:
			case <-time.After(ioTimeout):
				t.Fatalf("the upstream no longer produces piece %d", i)
			}
		}
		line, err := br.ReadString('\n')
		require.NoError(t, err, "piece %d", i)
		require.Equal(t, fmt.Sprintf("data: %d\n", i), line)
		_, err = br.ReadString('\n')
		require.NoError(t, err)
	}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// TestRouterBoundsASlowDownload: a 64 MiB answer to a client that stops
// reading after its head: the upstream is paused (it cannot write more than
// the socket buffers and the proxy's bounded queues hold) and the heap does
// not grow by the answer's size; then the client reads it all, intact.
func TestRouterBoundsASlowDownload(t *testing.T) {
	leakCheck(t)
	const size = 64 << 20
	var written atomic.Int64
	up := httpUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(size))
		src := countingReader{io.LimitReader(zeroReader{}, size), &written}
		io.Copy(w, src)
	})
	t.Setenv("UPSTREAM_API", hostOf(up))
	p := start(t, "router", nil)
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)

	c := dial(t, p.addr)
	c.SetDeadline(time.Now().Add(time.Minute))
	c.SetReadBuffer(64 << 10)
	_, err := io.WriteString(c, "GET /api/big HTTP/1.1\r\nHost: x\r\n\r\n")
	require.NoError(t, err)
	br := bufio.NewReaderSize(c, 4096)
	head, err := readHead(br)
	require.NoError(t, err)
	require.Contains(t, head, "200 OK")

	// Wait, with a deadline, until the upstream stops making progress.
	last, still := int64(-1), 0
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && still < 10 && written.Load() < size; {
		time.Sleep(50 * time.Millisecond) // polling for quiescence: there is no event for "nothing happens"
		if n := written.Load(); n == last {
			still++
		} else {
			last, still = n, 0
		}
	}
	var during runtime.MemStats
	runtime.ReadMemStats(&during)
	growth := int64(during.HeapInuse) - int64(before.HeapInuse)
	t.Logf("paused client: upstream wrote %d of %d bytes; heap in use grew by %d bytes", written.Load(), size, growth)
	assert.Less(t, written.Load(), int64(size/2), "the upstream is paused while the client does not read")
	assert.Less(t, growth, int64(16<<20), "the proxy does not hold the answer")

	n, err := io.Copy(io.Discard, io.LimitReader(br, size))
	require.NoError(t, err)
	require.Equal(t, int64(size), n)
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestRouterReusesUpstreamConnections: requests one after another on a
// client connection go over one pooled keep-alive upstream connection, not
// a connection each.
func TestRouterReusesUpstreamConnections(t *testing.T) {
	leakCheck(t)
	var accepted atomic.Int32
	up := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok "+r.URL.Path)
	}))
	up.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			accepted.Add(1)
		}
	}
	up.Start()
	t.Cleanup(up.Close)
	t.Setenv("UPSTREAM_API", hostOf(up))
	p := start(t, "router", nil)
	c := httpClient(t, nil)
	for i := range 10 {
		path := fmt.Sprintf("/api/%d", i)
		resp, body := get(t, c, p.url(path))
		require.Equal(t, 200, resp.StatusCode)
		require.Equal(t, "ok "+path, body)
	}
	require.EqualValues(t, 1, accepted.Load(), "one upstream connection, kept alive")
}
