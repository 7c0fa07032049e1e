package http2_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluice-go/sluice/codec/http1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// rawUpstream serves its first connection with first, which speaks frames
// by hand, and the next ones with net/http's HTTP/2 server (h2c) and h; it
// returns its address and a count of connections.
func rawUpstream(t *testing.T, first func(c net.Conn, fr *http2.Framer), h http.HandlerFunc) (string, *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	fl := &firstByHand{Listener: ln, first: first}
	var protos http.Protocols
	protos.SetUnencryptedHTTP2(true)
	srv := &http.Server{Handler: h, Protocols: &protos}
	go srv.Serve(fl)
	t.Cleanup(func() {
		srv.Close()
		if c := fl.hand.Load(); c != nil {
			(*c).Close()
		}
	})
	return ln.Addr().String(), &fl.n
}

// firstByHand is a listener that serves the first connection it accepts
// with first, on a goroutine of its own, and gives the others to its
// caller.
type firstByHand struct {
	net.Listener
	first func(c net.Conn, fr *http2.Framer)
	n     atomic.Int32
	hand  atomic.Pointer[net.Conn] // the connection served by first
}

func (l *firstByHand) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil || l.n.Add(1) > 1 {
			return c, err
		}
		l.hand.Store(&c)
		go func() {
			defer c.Close()
			c.SetDeadline(time.Now().Add(20 * time.Second))
			pre := make([]byte, len(http2.ClientPreface))
			if _, err := io.ReadFull(c, pre); err != nil {
				return
			}
			fr := http2.NewFramer(c, c)
			fr.WriteSettings()
			l.first(c, fr)
		}()
	}
}

// readHeaders reads frames until a HEADERS frame, and returns its stream.
func readHeaders(fr *http2.Framer) (uint32, bool) {
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			return 0, false
		}
		if h, ok := f.(*http2.HeadersFrame); ok {
			return h.StreamID, true
		}
	}
}

func bodyEcho(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	fmt.Fprintf(w, "%s %s %s", r.Method, r.URL.Path, b)
}

// TestClientGoAwayRetriesUnprocessed: a GOAWAY whose last stream is below
// the request's says the upstream did not process it: the request (a POST
// too) goes again on a new connection.
func TestClientGoAwayRetriesUnprocessed(t *testing.T) {
	addr, conns := rawUpstream(t, func(c net.Conn, fr *http2.Framer) {
		if _, ok := readHeaders(fr); ok {
			fr.WriteGoAway(0, http2.ErrCodeNo, nil)
			io.Copy(io.Discard, c) // until the proxy closes
		}
	}, bodyEcho)
	proxyAddr := proxy(t, addr, false, http1.MuxHTTPOptions{})
	resp, err := http.Post("http://"+proxyAddr+"/g", "x", strings.NewReader("body"))
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, "POST /g body", string(b))
	assert.EqualValues(t, 2, conns.Load())
}

// TestClientRefusedStreamRetried: RST_STREAM(REFUSED_STREAM) sends the
// request again, here on the same connection.
func TestClientRefusedStreamRetried(t *testing.T) {
	addr, conns := rawUpstream(t, func(c net.Conn, fr *http2.Framer) {
		id, ok := readHeaders(fr)
		if !ok {
			return
		}
		fr.WriteRSTStream(id, http2.ErrCodeRefusedStream)
		if id, ok = readHeaders(fr); !ok {
			return
		}
		var hb bytes.Buffer
		enc := hpack.NewEncoder(&hb)
		enc.WriteField(hpack.HeaderField{Name: ":status", Value: "200"})
		fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: hb.Bytes(), EndHeaders: true})
		fr.WriteData(id, true, []byte(fmt.Sprintf("answered on stream %d", id)))
		io.Copy(io.Discard, c)
	}, bodyEcho)
	proxyAddr := proxy(t, addr, true, http1.MuxHTTPOptions{})
	_, b := get(t, h2cClient(), "http://"+proxyAddr+"/r")
	assert.Equal(t, "answered on stream 3", b)
	assert.EqualValues(t, 1, conns.Load())
}

// TestClientGoAwayLetsOpenStreamsFinish: an upstream shutting down (Go's
// server sends GOAWAY) finishes the answer in flight; the connection takes
// no new request, which goes to a new connection (here refused: 503).
func TestClientGoAwayLetsOpenStreamsFinish(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	up := startUpstream(t, false, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/new" {
			return // before the GOAWAY
		}
		close(started)
		within(t, release, "release")
		fmt.Fprint(w, "finished")
	})
	addr := proxy(t, up.addr, true, http1.MuxHTTPOptions{})
	c := h2cClient()
	got := getLater(c, "http://"+addr+"/slow")
	within(t, started, "the request at the upstream")
	shut := make(chan error, 1)
	go func() { shut <- up.srv.Shutdown(context.Background()) }()
	// the GOAWAY has reached the proxy once a new request goes elsewhere
	deadline := time.Now().Add(20 * time.Second)
	for {
		if status, _ := get(t, c, "http://"+addr+"/new"); status == 503 {
			break
		}
		require.True(t, time.Now().Before(deadline), "no GOAWAY seen")
	}
	close(release)
	assert.Equal(t, "finished", <-got)
	assert.NoError(t, <-shut)
	assert.EqualValues(t, 1, up.conns.Load())
}

// TestClientUpstreamResetPassedOn: an upstream's reset of a request whose
// answer has not begun reaches an HTTP/2 client of demuxHTTP as a reset
// with the upstream's code (CANCEL stays CANCEL: grpc-go reads it as
// DEADLINE_EXCEEDED past its deadline, a 502 as UNAVAILABLE); an HTTP/1.1
// client of the same listener gets 502.
func TestClientUpstreamResetPassedOn(t *testing.T) {
	addr, _ := rawUpstream(t, func(c net.Conn, fr *http2.Framer) {
		for {
			id, ok := readHeaders(fr)
			if !ok {
				return
			}
			fr.WriteRSTStream(id, http2.ErrCodeCancel)
		}
	}, bodyEcho)
	proxyAddr := proxy(t, addr, true, http1.MuxHTTPOptions{})
	r := dialRaw(t, proxyAddr)
	r.get(1, "/r")
	f := r.rst()
	assert.Equal(t, uint32(1), f.StreamID)
	assert.Equal(t, http2.ErrCodeCancel, f.ErrCode)
	status, b := get(t, &http.Client{Timeout: 10 * time.Second}, "http://"+proxyAddr+"/r")
	assert.Equal(t, 502, status)
	assert.Contains(t, b, "stream reset by the upstream (CANCEL)")
	r.get(3, "/r")
	assert.Equal(t, http2.ErrCodeCancel, r.rst().ErrCode, "the connection goes on")
}
