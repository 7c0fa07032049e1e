package http2_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/sluice-go/sluice/codec/http1"
	sh2 "github.com/sluice-go/sluice/codec/http2"
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// rawClient is an HTTP/2 client frame by frame.
type rawClient struct {
	t    *testing.T
	c    net.Conn
	fr   *http2.Framer
	hbuf bytes.Buffer
	henc *hpack.Encoder
}

func dialRaw(t *testing.T, addr string) *rawClient {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	return startRaw(t, c)
}

// startRaw sends the preface and SETTINGS on c.
func startRaw(t *testing.T, c net.Conn) *rawClient {
	t.Helper()
	_, err := io.WriteString(c, http2.ClientPreface)
	require.NoError(t, err)
	r := &rawClient{t: t, c: c, fr: http2.NewFramer(c, c)}
	r.henc = hpack.NewEncoder(&r.hbuf)
	r.fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	require.NoError(t, r.fr.WriteSettings())
	return r
}

// rst reads up to a RST_STREAM and returns it.
func (r *rawClient) rst() *http2.RSTStreamFrame {
	r.t.Helper()
	return r.until("RST_STREAM", func(f http2.Frame) bool { _, ok := f.(*http2.RSTStreamFrame); return ok }).(*http2.RSTStreamFrame)
}

// body reads the body of the answer on stream id, to its end.
func (r *rawClient) body(id uint32) string {
	r.t.Helper()
	var b strings.Builder
	r.until("body", func(f http2.Frame) bool {
		if d, ok := f.(*http2.DataFrame); ok && d.StreamID == id {
			b.Write(d.Data())
			return d.StreamEnded()
		}
		// an answer without body ends with its HEADERS
		h, ok := f.(*http2.MetaHeadersFrame)
		return ok && h.StreamID == id && h.StreamEnded()
	})
	return b.String()
}

// block encodes a GET of path, plus extra fields.
func (r *rawClient) block(path string, extra ...hpack.HeaderField) []byte {
	r.hbuf.Reset()
	for _, f := range append([]hpack.HeaderField{
		{Name: ":method", Value: "GET"}, {Name: ":scheme", Value: "http"},
		{Name: ":authority", Value: "x"}, {Name: ":path", Value: path},
	}, extra...) {
		require.NoError(r.t, r.henc.WriteField(f))
	}
	return bytes.Clone(r.hbuf.Bytes())
}

func (r *rawClient) get(id uint32, path string, extra ...hpack.HeaderField) {
	require.NoError(r.t, r.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: r.block(path, extra...), EndStream: true, EndHeaders: true}))
}

// until reads frames until match says so, failing at the connection's end.
func (r *rawClient) until(what string, match func(http2.Frame) bool) http2.Frame {
	r.t.Helper()
	for {
		f, err := r.fr.ReadFrame()
		if err != nil {
			r.t.Fatalf("waiting for %s: %v", what, err)
		}
		if match(f) {
			return f
		}
	}
}

// goaway reads up to the GOAWAY and returns its code.
func (r *rawClient) goaway() http2.ErrCode {
	r.t.Helper()
	return r.until("GOAWAY", func(f http2.Frame) bool { _, ok := f.(*http2.GoAwayFrame); return ok }).(*http2.GoAwayFrame).ErrCode
}

// drained follows a server's two-step drain: the GOAWAY with the largest
// stream id and a PING, acknowledged; then the GOAWAY with the last stream
// id taken, which it returns. Both GOAWAYs must say NO_ERROR.
func (r *rawClient) drained() uint32 {
	r.t.Helper()
	first := r.until("the first GOAWAY", func(f http2.Frame) bool { _, ok := f.(*http2.GoAwayFrame); return ok }).(*http2.GoAwayFrame)
	require.Equal(r.t, http2.ErrCodeNo, first.ErrCode)
	require.Equal(r.t, uint32(1<<31-1), first.LastStreamID, "the first GOAWAY takes every stream")
	ping := r.until("the drain's PING", func(f http2.Frame) bool { p, ok := f.(*http2.PingFrame); return ok && !p.IsAck() }).(*http2.PingFrame)
	require.NoError(r.t, r.fr.WritePing(true, ping.Data))
	last := r.until("the last GOAWAY", func(f http2.Frame) bool { _, ok := f.(*http2.GoAwayFrame); return ok }).(*http2.GoAwayFrame)
	require.Equal(r.t, http2.ErrCodeNo, last.ErrCode)
	return last.LastStreamID
}

// status reads up to the answer to stream id and returns its :status.
func (r *rawClient) status(id uint32) string {
	r.t.Helper()
	f := r.until("answer", func(f http2.Frame) bool {
		if rst, ok := f.(*http2.RSTStreamFrame); ok && rst.StreamID == id {
			r.t.Fatalf("stream %d reset: %v", id, rst.ErrCode)
		}
		h, ok := f.(*http2.MetaHeadersFrame)
		return ok && h.StreamID == id
	})
	return f.(*http2.MetaHeadersFrame).PseudoValue("status")
}

// silent is a request pipeline that never answers.
func silent() pipeline.Filter { return filter.Dummy() }

// TestRapidResetEndsConnection: streams opened and cancelled before their
// answer (CVE-2023-44487) end the connection once the budget is spent; a
// well-behaved connection beside it goes on being served.
func TestRapidResetEndsConnection(t *testing.T) {
	addr, _ := serve(t, sh2.Options{MaxResets: 20})
	good := dialRaw(t, addr)
	good.get(1, "/")
	assert.Equal(t, "200", good.status(1))
	r := dialRaw(t, addr)
	for i := range 50 {
		id := uint32(2*i + 1)
		r.get(id, "/hang")
		require.NoError(t, r.fr.WriteRSTStream(id, http2.ErrCodeCancel))
	}
	assert.Equal(t, http2.ErrCodeEnhanceYourCalm, r.goaway())
	good.get(3, "/")
	assert.Equal(t, "200", good.status(3))
}

func TestResetBudgetRefilledByAnswers(t *testing.T) {
	// each answered stream gives a reset back: a client that cancels one
	// request in two is served however long it goes on
	addr, _ := serve(t, sh2.Options{MaxResets: 3})
	r := dialRaw(t, addr)
	id := uint32(1)
	for range 10 {
		r.get(id, "/hang")
		require.NoError(t, r.fr.WriteRSTStream(id, http2.ErrCodeCancel))
		r.get(id+2, "/")
		assert.Equal(t, "200", r.status(id+2))
		id += 4
	}
}

func TestContinuationFloodEndsConnection(t *testing.T) {
	addr, _ := serve(t, sh2.Options{})
	r := dialRaw(t, addr)
	require.NoError(t, r.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: r.block("/"), EndHeaders: false}))
	for range 100 {
		if err := r.fr.WriteContinuation(1, false, nil); err != nil {
			break // the server may close first
		}
	}
	assert.Equal(t, http2.ErrCodeEnhanceYourCalm, r.goaway())
}

func TestHeaderBlockTooLargeEndsConnection(t *testing.T) {
	addr, _ := serve(t, sh2.Options{MaxHeaderListSize: 1000})
	r := dialRaw(t, addr)
	var fields []hpack.HeaderField
	for i := range 30 {
		fields = append(fields, hpack.HeaderField{Name: fmt.Sprintf("x-f%d", i), Value: strings.Repeat("a", 90)})
	}
	blk := r.block("/", fields...)
	require.NoError(t, r.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: blk[:500], EndHeaders: false}))
	_ = r.fr.WriteContinuation(1, false, blk[500:1100]) // the block never ends
	assert.Equal(t, http2.ErrCodeEnhanceYourCalm, r.goaway())
}

// TestHPACKBombAnswered431 sends a small block that decodes to a huge list
// (one big field in the dynamic table, referenced many times): the request
// is answered 431 and the connection goes on.
func TestHPACKBombAnswered431(t *testing.T) {
	addr, _ := serve(t, sh2.Options{MaxHeaderListSize: 16 << 10})
	r := dialRaw(t, addr)
	big := hpack.HeaderField{Name: "x-bomb", Value: strings.Repeat("b", 3000)}
	r.get(1, "/", big) // puts it in the dynamic table; under the limit
	assert.Equal(t, "200", r.status(1))
	fields := make([]hpack.HeaderField, 200)
	for i := range fields {
		fields[i] = big // each an index into the table: one byte each
	}
	blk := r.block("/", fields...)
	require.Less(t, len(blk), 1000)
	require.NoError(t, r.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 3, BlockFragment: blk, EndStream: true, EndHeaders: true}))
	assert.Equal(t, "431", r.status(3))
	r.get(5, "/")
	assert.Equal(t, "200", r.status(5))
}

func TestPingFloodEndsConnection(t *testing.T) {
	addr, _ := serve(t, sh2.Options{MaxControlFrames: 50})
	r := dialRaw(t, addr)
	for range 100 {
		if err := r.fr.WritePing(false, [8]byte{}); err != nil {
			break
		}
	}
	assert.Equal(t, http2.ErrCodeEnhanceYourCalm, r.goaway())
}

func TestSettingsFloodEndsConnection(t *testing.T) {
	addr, _ := serve(t, sh2.Options{MaxControlFrames: 50})
	r := dialRaw(t, addr)
	for range 100 {
		if err := r.fr.WriteSettings(); err != nil {
			break
		}
	}
	assert.Equal(t, http2.ErrCodeEnhanceYourCalm, r.goaway())
}

func TestPingsBetweenRequestsAllowed(t *testing.T) {
	addr, _ := serve(t, sh2.Options{MaxControlFrames: 5})
	r := dialRaw(t, addr)
	for i := range 10 {
		for range 4 {
			require.NoError(t, r.fr.WritePing(false, [8]byte{1}))
		}
		id := uint32(2*i + 1)
		r.get(id, "/")
		assert.Equal(t, "200", r.status(id))
	}
}

// TestMalformedStreamResetSiblingsServed: a request with an upper-case
// field name is reset; the streams around it are answered.
func TestMalformedStreamResetSiblingsServed(t *testing.T) {
	addr, _ := serve(t, sh2.Options{})
	r := dialRaw(t, addr)
	r.get(1, "/")
	r.hbuf.Reset()
	r.get(3, "/", hpack.HeaderField{Name: "X-Upper", Value: "1"})
	r.get(5, "/")
	var got []string
	r.until("three results", func(f http2.Frame) bool {
		switch f := f.(type) {
		case *http2.RSTStreamFrame:
			got = append(got, "rst "+f.ErrCode.String())
			assert.Equal(t, uint32(3), f.StreamID)
		case *http2.MetaHeadersFrame:
			got = append(got, f.PseudoValue("status"))
		}
		return len(got) == 3
	})
	assert.ElementsMatch(t, []string{"200", "200", "rst PROTOCOL_ERROR"}, got)
}

func TestTooManyStreamsRefused(t *testing.T) {
	addr, _ := serve(t, sh2.Options{MaxConcurrentStreams: 2}, silent())
	r := dialRaw(t, addr)
	for i := range 3 {
		r.get(uint32(2*i+1), "/")
	}
	f := r.rst()
	assert.Equal(t, uint32(5), f.StreamID)
	assert.Equal(t, http2.ErrCodeRefusedStream, f.ErrCode)
}

func TestShutdownSendsGoAwayAndFinishesStreams(t *testing.T) {
	addr, srv := serve(t, sh2.Options{})
	r := dialRaw(t, addr)
	r.get(1, "/")
	assert.Equal(t, "200", r.status(1))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(ctx) }()
	assert.Equal(t, uint32(1), r.drained())
	_, err := r.fr.ReadFrame()
	assert.True(t, errors.Is(err, io.EOF), "the connection ends: %v", err)
	require.NoError(t, <-done)
}

// TestPathShownAsHTTP1Shows: dot segments and encoded unreserved bytes are
// resolved as for HTTP/1; a path above "/" is refused (the stream reset).
func TestPathShownAsHTTP1Shows(t *testing.T) {
	addr, _ := serve(t, sh2.Options{})
	r := dialRaw(t, addr)
	r.get(1, "/a/%2e%2e/admin")
	assert.Equal(t, "GET /admin HTTP/2 scheme=http host=x\n", r.body(1))
	r.get(3, "/../etc/passwd")
	f := r.rst()
	assert.Equal(t, uint32(3), f.StreamID)
	assert.Equal(t, http2.ErrCodeProtocol, f.ErrCode)
}

// TestStreamIDRules: a HEADERS on a lower stream id than the last is a
// PROTOCOL_ERROR; on the last one, once closed, STREAM_CLOSED.
func TestStreamIDRules(t *testing.T) {
	addr, _ := serve(t, sh2.Options{})
	r := dialRaw(t, addr)
	r.get(5, "/")
	assert.Equal(t, "200", r.status(5))
	r.get(3, "/")
	assert.Equal(t, http2.ErrCodeProtocol, r.goaway())

	r = dialRaw(t, addr)
	r.get(5, "/")
	assert.Equal(t, "200", r.status(5))
	r.get(5, "/")
	assert.Equal(t, http2.ErrCodeStreamClosed, r.goaway())
}

// TestHeadAnswerHasNoBody: the answer to HEAD ends with its HEADERS' stream
// end or an empty DATA, whatever body the pipeline gives.
func TestHeadAnswerHasNoBody(t *testing.T) {
	addr, _ := serve(t, sh2.Options{})
	r := dialRaw(t, addr)
	r.hbuf.Reset()
	for _, f := range []hpack.HeaderField{{Name: ":method", Value: "HEAD"}, {Name: ":scheme", Value: "http"}, {Name: ":path", Value: "/"}} {
		require.NoError(t, r.henc.WriteField(f))
	}
	require.NoError(t, r.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 3, BlockFragment: r.hbuf.Bytes(), EndStream: true, EndHeaders: true}))
	assert.Empty(t, r.body(3))
}

// TestBrokenPrefaceGetsGoAway: bytes that begin as the preface and then
// differ are refused with GOAWAY(PROTOCOL_ERROR) and a close.
func TestBrokenPrefaceGetsGoAway(t *testing.T) {
	addr, _ := serve(t, sh2.Options{})
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	_, err = io.WriteString(c, "PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n")
	require.NoError(t, err)
	fr := http2.NewFramer(nil, c)
	var code http2.ErrCode = 255
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			break
		}
		if g, ok := f.(*http2.GoAwayFrame); ok {
			code = g.ErrCode
		}
	}
	assert.Equal(t, http2.ErrCodeProtocol, code)
}

// TestReloadDrainsH2: after a reload (Server.SetPipeline) an h2 connection
// gets GOAWAY(NO_ERROR) and ends; one that had sent nothing yet is served
// its first request, then gets its GOAWAY.
func TestReloadDrainsH2(t *testing.T) {
	addr, srv := serve(t, sh2.Options{})
	r := dialRaw(t, addr)
	r.get(1, "/")
	assert.Equal(t, "200", r.status(1))

	fresh, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer fresh.Close()
	require.Eventually(t, func() bool { return srv.Stats().Conns == 2 }, 10*time.Second, time.Millisecond)

	m := pipeline.NewModule("m2")
	m.Pipeline("h", filter.ReplaceMessage(echo))
	p := m.Pipeline("front", sh2.DemuxHTTP(filter.To("h")))
	require.NoError(t, m.Build())
	srv.SetPipeline(p)

	assert.Equal(t, uint32(1), r.drained())
	_, err = r.fr.ReadFrame()
	assert.ErrorIs(t, err, io.EOF)

	require.NoError(t, fresh.SetDeadline(time.Now().Add(10*time.Second)))
	r2 := startRaw(t, fresh)
	r2.get(1, "/")
	assert.Equal(t, "200", r2.status(1))
	assert.Equal(t, http2.ErrCodeNo, r2.goaway())
}

// bigAnswer answers each request with 1 MiB at once, and hands the
// request stream's return valve to the test.
type bigAnswer struct{ valves chan *pipeline.Valve }

func (bigAnswer) Info() pipeline.Info { return pipeline.Info{Name: "bigAnswer"} }
func (b bigAnswer) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	return pipeline.TargetFunc(func(evt event.Event) {
		switch evt.(type) {
		case *event.MessageEnd:
			next.Input(&event.MessageStart{Head: event.Fields{"status": 200}})
			next.Input(event.FromBytes(bytes.Repeat([]byte("z"), 1<<20)))
			next.Input(&event.MessageEnd{})
			b.valves <- s.Context().ReturnValve()
		case *event.SessionEnd:
			next.Input(evt)
		}
	})
}

// TestZeroWindowPausesTheAnswer: a client that opens no window gets the
// answer's HEADERS and no DATA, and the request stream's return valve is
// closed (its upstream would stop being read) until the client opens the
// window; then the whole body comes and the valve opens.
func TestZeroWindowPausesTheAnswer(t *testing.T) {
	valves := make(chan *pipeline.Valve, 1)
	addr, _ := serve(t, sh2.Options{}, bigAnswer{valves})
	r := dialRaw(t, addr)
	require.NoError(t, r.fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 0}))
	r.get(1, "/")
	assert.Equal(t, "200", r.status(1))
	v := <-valves
	assert.False(t, v.IsOpen(), "the answer's valve is closed while the window is shut")
	require.NoError(t, r.fr.WriteWindowUpdate(0, 1<<21))
	require.NoError(t, r.fr.WriteWindowUpdate(1, 1<<21))
	assert.Len(t, r.body(1), 1<<20)
	assert.True(t, v.IsOpen())
}

// panicky panics on /boom's MessageStart and echoes the rest.
type panicky struct{}

func (panicky) Info() pipeline.Info { return pipeline.Info{Name: "panicky"} }
func (panicky) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	return pipeline.TargetFunc(func(evt event.Event) {
		if ms, ok := evt.(*event.MessageStart); ok && strings.HasSuffix(ms.Head.(*http1.RequestHead).Path, "/boom") {
			panic("boom")
		}
		next.Input(evt)
	})
}

// TestFailedRequestStreamAnswers500: a request whose stream fails before
// answering gets a 500; the streams beside it are answered as usual.
func TestFailedRequestStreamAnswers500(t *testing.T) {
	addr, _ := serve(t, sh2.Options{}, panicky{}, filter.ReplaceMessage(echo))
	r := dialRaw(t, addr)
	r.get(1, "/ok")
	r.get(3, "/boom")
	r.get(5, "/ok")
	got := map[uint32]string{}
	r.until("three answers", func(f http2.Frame) bool {
		if h, ok := f.(*http2.MetaHeadersFrame); ok {
			got[h.StreamID] = h.PseudoValue("status")
		}
		return len(got) == 3
	})
	assert.Equal(t, map[uint32]string{1: "200", 3: "500", 5: "200"}, got)
}

// pingConn starts an HTTP/2 connection through demuxHTTP in a harness (the
// worker's manual clock) with a request open whose answer never comes (a
// quiet long stream), and returns the harness and a function writing n
// PINGs in one batch.
func pingConn(t *testing.T, opts sh2.Options, setup ...pipelinetest.Option) (*pipelinetest.Harness, func(n int)) {
	quietP := pipeline.New("quiet", onClose{make(chan struct{}, 1)})
	h := pipelinetest.New(t, pipeline.New("front", sh2.DemuxHTTP(filter.ToPipeline(quietP), opts)), setup...)
	var b bytes.Buffer
	fr := http2.NewFramer(&b, nil)
	_ = fr.WriteSettings()
	_ = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: getBlock(), EndStream: true, EndHeaders: true})
	h.InputBytes(append([]byte(http2.ClientPreface), b.Bytes()...))
	return h, func(n int) {
		b.Reset()
		for range n {
			_ = fr.WritePing(false, [8]byte{'k'})
		}
		h.InputBytes(bytes.Clone(b.Bytes()))
	}
}

// pingAcks counts the PING ACKs among frames.
func pingAcks(fs []http2.Frame) int {
	n := 0
	for _, f := range fs {
		if p, ok := f.(*http2.PingFrame); ok && p.IsAck() {
			n++
		}
	}
	return n
}

// TestKeepalivePingsOnAQuietStreamAllowed: a client with keepalive (gRPC:
// a PING every 30 s) on a long stream that nothing else moves is not cut
// however long it lasts: 2000 PINGs, past MaxControlFrames, over 16 hours
// of the worker's clock, their answers read as they come.
func TestKeepalivePingsOnAQuietStreamAllowed(t *testing.T) {
	h, ping := pingConn(t, sh2.Options{})
	h.Take()
	acks := 0
	for i := range 2000 {
		h.Advance(30 * time.Second)
		ping(1)
		fs := framesIn(h.Take())
		for _, f := range fs {
			if g, ok := f.(*http2.GoAwayFrame); ok {
				t.Fatalf("GOAWAY(%v) after %d PINGs", g.ErrCode, i+1)
			}
		}
		acks += pingAcks(fs)
	}
	assert.Equal(t, 2000, acks)
	assert.False(t, h.Ended())
}

// TestControlFrameRate: past its MaxControlFrames, a client may send PINGs
// at ControlFrameRate and no faster.
func TestControlFrameRate(t *testing.T) {
	h, ping := pingConn(t, sh2.Options{MaxControlFrames: 5, ControlFrameRate: 10})
	ping(5) // the budget, filled up by the request's HEADERS
	h.Advance(100 * time.Millisecond)
	ping(1)
	h.Advance(300 * time.Millisecond)
	ping(3)
	_, ok := goawayIn(t, h.Output())
	require.False(t, ok, "within the rate")
	ping(1)
	code, ok := goawayIn(t, h.Output())
	assert.True(t, ok)
	assert.Equal(t, http2.ErrCodeEnhanceYourCalm, code)
	assert.True(t, h.Ended())
}

// TestPingFloodToAClientNotReading: PING ACKs written while the
// connection's output is held up (its socket's queue past its mark: the
// client does not read) are bounded by MaxQueuedControlFrames, whatever
// the rate allows; while the output moves, as many are answered.
func TestPingFloodToAClientNotReading(t *testing.T) {
	opts := sh2.Options{MaxControlFrames: 1 << 20, MaxQueuedControlFrames: 100}
	h, ping := pingConn(t, opts)
	ping(150)
	_, ok := goawayIn(t, h.Output())
	require.False(t, ok, "answers that go out are not queued")
	assert.Equal(t, 150, pingAcks(framesIn(h.Take())))

	h, ping = pingConn(t, opts)
	h.Context.ReturnValve().Pause() // the socket's writer, its queue full
	ping(150)
	code, ok := goawayIn(t, h.Output())
	assert.True(t, ok)
	assert.Equal(t, http2.ErrCodeEnhanceYourCalm, code)
	assert.True(t, h.Ended())
	h.Context.ReturnValve().Resume()
}
