package http2_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluice-go/sluice/codec/http1"
	sh2 "github.com/sluice-go/sluice/codec/http2"
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// holdBody is a request pipeline standing for an upstream that does not
// take a body: a POST's stream closes its forward valve at its head (as an
// outbound connection's writer does past its high-water mark) and counts
// the body bytes that still reach it; the valve opens when the test says.
// It answers a POST with the count at its end, anything else at once.
type holdBody struct {
	held chan *pipeline.Stream // each POST's stream, its valve closed
	got  atomic.Int64          // body bytes received
}

func (h *holdBody) Info() pipeline.Info { return pipeline.Info{Name: "holdBody"} }

func (h *holdBody) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	return pipeline.TargetFunc(func(evt event.Event) {
		switch e := evt.(type) {
		case *event.MessageStart:
			if e.Head.(*http1.RequestHead).Method == "POST" {
				s.Context().Valve().Pause()
				h.held <- s
				return
			}
			next.Input(&event.MessageStart{Head: event.Fields{"status": 200}})
			next.Input(event.FromString("small"))
			next.Input(&event.MessageEnd{})
		case *event.Data:
			h.got.Add(int64(e.Len()))
		case *event.MessageEnd:
			if s.Context().Valve().IsOpen() {
				next.Input(&event.MessageStart{Head: event.Fields{"status": 200}})
				next.Input(event.FromString(fmt.Sprint(h.got.Load())))
				next.Input(&event.MessageEnd{})
			}
		}
	})
}

// windowed is a raw client that keeps the server's windows for its DATA.
type windowed struct {
	*rawClient
	conn   int64
	stream map[uint32]int64
}

// post opens stream id with a POST of a body to come.
func (w *windowed) post(id uint32) {
	w.hbuf.Reset()
	for _, f := range []hpack.HeaderField{{Name: ":method", Value: "POST"}, {Name: ":scheme", Value: "http"}, {Name: ":authority", Value: "x"}, {Name: ":path", Value: "/up"}} {
		require.NoError(w.t, w.henc.WriteField(f))
	}
	require.NoError(w.t, w.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: w.hbuf.Bytes(), EndHeaders: true}))
	w.stream[id] = 65535
}

// send writes n body bytes on stream id within the windows, reading the
// server's frames while a window is spent.
func (w *windowed) send(id uint32, n int64, end bool) {
	w.t.Helper()
	buf := make([]byte, 16384)
	for n > 0 || end {
		k := min(n, w.conn, w.stream[id], int64(len(buf)))
		if k <= 0 && n > 0 {
			w.read()
			continue
		}
		n -= k
		w.conn -= k
		w.stream[id] -= k
		require.NoError(w.t, w.fr.WriteData(id, end && n == 0, buf[:k]))
		if n == 0 {
			return
		}
	}
}

// read reads one frame, adding a WINDOW_UPDATE's credit, and returns it.
func (w *windowed) read() http2.Frame {
	w.t.Helper()
	f, err := w.fr.ReadFrame()
	require.NoError(w.t, err)
	if u, ok := f.(*http2.WindowUpdateFrame); ok {
		if u.StreamID == 0 {
			w.conn += int64(u.Increment)
		} else {
			w.stream[u.StreamID] += int64(u.Increment)
		}
	}
	return f
}

// answer reads up to the end of stream id's answer and returns its body.
func (w *windowed) answer(id uint32) string {
	w.t.Helper()
	var b []byte
	for {
		switch f := w.read().(type) {
		case *http2.DataFrame:
			if f.StreamID == id {
				b = append(b, f.Data()...)
				if f.StreamEnded() {
					return string(b)
				}
			}
		case *http2.MetaHeadersFrame:
			if f.StreamID == id && f.StreamEnded() {
				return string(b)
			}
		case *http2.RSTStreamFrame:
			if f.StreamID == id {
				w.t.Fatalf("stream %d reset: %v", id, f.ErrCode)
			}
		}
	}
}

// TestStalledRequestBodyHoldsOnlyItsStream: a request whose pipeline does
// not take its body (its forward valve closed) holds its client by that
// stream's window alone: at most the window reaches it, a sibling request
// on the same connection is answered meanwhile, the connection's window
// comes back; once the valve opens, the stream's credit comes back and the
// whole 4 MiB body goes through. A client overrunning a held stream's
// window gets RST_STREAM(FLOW_CONTROL_ERROR) on that stream only.
func TestStalledRequestBodyHoldsOnlyItsStream(t *testing.T) {
	const total = 4 << 20
	h := &holdBody{held: make(chan *pipeline.Stream, 2)}
	addr, _ := serve(t, sh2.Options{}, h)
	w := &windowed{rawClient: dialRaw(t, addr), conn: 65535, stream: map[uint32]int64{}}

	w.post(1)
	w.send(1, 65535, false) // the stream's whole window
	var s *pipeline.Stream
	select {
	case s = <-h.held:
	case <-time.After(10 * time.Second):
		t.Fatal("the POST did not reach its pipeline")
	}
	w.get(3, "/small")
	assert.Equal(t, "small", w.answer(3), "a sibling is answered while stream 1 is held")
	assert.Zero(t, w.stream[1], "no credit for the held stream")
	assert.EqualValues(t, 65535, w.conn, "the connection's window came back as its frames were read")
	assert.EqualValues(t, 65535, h.got.Load(), "what reached the held stream is its window")

	s.Worker().Post(func() { s.Context().Valve().Resume() })
	w.send(1, total-65535, true)
	assert.Equal(t, fmt.Sprint(total), w.answer(1), "the whole body once the valve opened")

	// overrunning a held stream's window resets that stream, not the
	// connection
	w.post(5)
	<-h.held
	w.send(5, 65535, false)
	for w.conn < 16384 {
		w.read()
	}
	require.NoError(t, w.fr.WriteData(5, false, make([]byte, 16384)))
	for {
		if rst, ok := w.read().(*http2.RSTStreamFrame); ok {
			assert.Equal(t, uint32(5), rst.StreamID)
			assert.Equal(t, http2.ErrCodeFlowControl, rst.ErrCode)
			break
		}
	}
	w.get(7, "/small")
	assert.Equal(t, "small", w.answer(7), "the connection goes on")
}

// stuckUpstream is an HTTP/1 upstream that answers GETs and takes no byte
// of a POST's body (it reads no further than the head). It returns its
// address.
func stuckUpstream(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var conns sync.WaitGroup
	accepting := make(chan struct{}) // closed when the accept loop is done with conns.Add
	t.Cleanup(func() { ln.Close(); <-accepting; conns.Wait() })
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	go func() {
		defer close(accepting)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() {
				defer conns.Done()
				defer c.Close()
				_ = c.(*net.TCPConn).SetReadBuffer(4096)
				br := bufio.NewReaderSize(c, 256)
				for {
					line, err := br.ReadString('\n')
					if err != nil {
						return
					}
					if strings.HasPrefix(line, "POST") {
						<-done // the body stays unread
						return
					}
					for line != "\r\n" {
						if line, err = br.ReadString('\n'); err != nil {
							return
						}
					}
					io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nsmall")
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// TestUpstreamNotReadingHoldsOnlyItsStream: through demuxHTTP and muxHTTP,
// a request body to an upstream that does not read it stops its client's
// sending on that stream (after the kernel's buffers and the outbound
// connection's queue, a few MiB: 64 are offered), and a request beside it on the same h2c
// connection is answered meanwhile (the connection's reading was paused for
// it before).
func TestUpstreamNotReadingHoldsOnlyItsStream(t *testing.T) {
	const total = 64 << 20
	addr, _ := serve(t, sh2.Options{}, http1.MuxHTTP(stuckUpstream(t), http1.MuxHTTPOptions{}))
	c := h2cClient()
	c.Timeout = 0 // the POST is held until the test ends
	var sent atomic.Int64
	pr, pw := io.Pipe()
	t.Cleanup(func() { pw.CloseWithError(io.ErrClosedPipe) })
	go func() {
		chunk := make([]byte, 16<<10)
		for sent.Load() < total {
			n, err := pw.Write(chunk)
			sent.Add(int64(n))
			if err != nil {
				return
			}
		}
		pw.Close()
	}()
	posted := make(chan struct{})
	go func() {
		defer close(posted)
		if resp, err := c.Post("http://"+addr+"/big", "x", pr); err == nil {
			resp.Body.Close()
		}
	}()
	last := stalled(&sent)
	t.Logf("the client stopped after %d KiB", last>>10)
	require.Less(t, last, int64(16<<20), "the body is held")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", "http://"+addr+"/small", nil)
	require.NoError(t, err)
	resp, err := c.Do(req)
	require.NoError(t, err, "the sibling request is answered while the body is held")
	defer resp.Body.Close()
	assert.Equal(t, 2, resp.ProtoMajor)
	b, _ := io.ReadAll(resp.Body)
	assert.Equal(t, "small", string(b))
	select {
	case <-posted:
		t.Error("the POST ended: it was not held")
	default:
	}
}
