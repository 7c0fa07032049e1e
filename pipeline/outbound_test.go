package pipeline_test

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sluice-go/sluice/internal/testnet"
	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
)

// obFilter is the smallest user of an Outbound: it dials target on the
// first Data, writes Data, and half-closes at the input's end.
type obFilter struct {
	target string
	opts   pipeline.OutboundOptions
	alpn   *string // when set, gets the Outbound's ALPN as the remote's bytes come
}

func (*obFilter) Info() pipeline.Info { return pipeline.Info{Name: "ob"} }

func (f *obFilter) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	i := &obInst{f: f}
	out := next
	if f.alpn != nil {
		out = pipeline.TargetFunc(func(evt event.Event) {
			*f.alpn = i.o.ALPN()
			next.Input(evt)
		})
	}
	i.o = pipeline.NewOutbound(s, out, f.opts)
	return i
}

type obInst struct {
	f *obFilter
	o *pipeline.Outbound
}

func (i *obInst) Input(evt event.Event) {
	switch e := evt.(type) {
	case *event.Data:
		i.o.Dial(i.f.target)
		i.o.Write(e)
	case *event.SessionEnd:
		if i.o.Connected() || !i.o.Done() {
			i.o.End()
		}
	}
}

type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

func (f dialFunc) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	return f(ctx, network, addr)
}

// echoServer accepts on 127.0.0.1:0 and runs handle for each connection.
func echoServer(t *testing.T, handle func(c net.Conn)) string {
	return testnet.Serve(t, func(c *net.TCPConn) { handle(c) }).Addr()
}

func TestOutboundEcho(t *testing.T) {
	addr := echoServer(t, func(c net.Conn) { io.Copy(c, c) })
	h := pipelinetest.Of(t, &obFilter{target: addr})
	h.InputString("hello")
	h.Wait(func() bool { return h.OutputString() == "hello" })
	h.End()
	se := h.WaitEnd()
	require.Equal(t, event.NoError, se.Err, "the half-close lets the echo finish: %s", se.Message)
}

func TestOutboundDialFailure(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close() // nobody listens: refused
	h := pipelinetest.Of(t, &obFilter{target: addr})
	h.InputString("x")
	se := h.WaitEnd()
	require.Equal(t, event.ConnectionRefused, se.Err, se.Message)
}

func TestOutboundRetry(t *testing.T) {
	var tries atomic.Int32
	dialer := dialFunc(func(ctx context.Context, network, addr string) (net.Conn, error) {
		if tries.Add(1) <= 2 {
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
		}
		a, b := net.Pipe()
		go func() { io.Copy(b, b) }()
		return a, nil
	})
	opts := pipeline.OutboundOptions{RetryCount: 2, RetryDelay: time.Second, Dialer: dialer, ConnectTimeout: -1, AnswerTimeout: -1}
	h := pipelinetest.Of(t, &obFilter{target: "x:1", opts: opts})
	h.InputString("data")
	for n := int32(1); n <= 2; n++ {
		h.Wait(func() bool { return tries.Load() == n && h.Clock.Pending() > 0 })
		h.Advance(time.Second - time.Nanosecond)
		require.Equal(t, n, tries.Load(), "no retry before the delay")
		h.Advance(time.Nanosecond)
	}
	h.Wait(func() bool { return h.OutputString() == "data" })
	require.Equal(t, int32(3), tries.Load())
	require.Nil(t, h.SessionEnd())
}

// TestOutboundRetryGivesUp: RetryCount retries, each after RetryDelay on
// the worker's clock, then the last dial's failure ends the output.
func TestOutboundRetryGivesUp(t *testing.T) {
	var tries atomic.Int32
	dialer := dialFunc(func(ctx context.Context, network, addr string) (net.Conn, error) {
		tries.Add(1)
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	})
	opts := pipeline.OutboundOptions{RetryCount: 3, RetryDelay: 2 * time.Second, Dialer: dialer}
	h := pipelinetest.Of(t, &obFilter{target: "x:1", opts: opts})
	h.InputString("data")
	for n := int32(1); n <= 3; n++ {
		h.Wait(func() bool { return tries.Load() == n && h.Clock.Pending() > 0 })
		h.Advance(2*time.Second - time.Nanosecond)
		require.Equal(t, n, tries.Load(), "no retry before the delay")
		require.Nil(t, h.SessionEnd())
		h.Advance(time.Nanosecond)
	}
	se := h.WaitEnd()
	require.Equal(t, event.ConnectionRefused, se.Err, se.Message)
	require.EqualValues(t, 4, tries.Load(), "one dial and RetryCount retries")
	require.Zero(t, h.Clock.Pending(), "no timer left")
}

func TestOutboundConnectTimeout(t *testing.T) {
	dialer := dialFunc(func(ctx context.Context, network, addr string) (net.Conn, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})
	h := pipelinetest.Of(t, &obFilter{target: "x:1", opts: pipeline.OutboundOptions{Dialer: dialer}})
	h.InputString("x")
	h.Wait(func() bool { return h.Clock.Pending() > 0 })
	h.Advance(pipeline.DefaultConnectTimeout - time.Nanosecond)
	require.Nil(t, h.SessionEnd(), "the default connect timeout is 10 s")
	h.Advance(time.Nanosecond)
	se := h.WaitEnd()
	require.Equal(t, event.Timeout, se.Err, se.Message)
	require.ErrorIs(t, se.Cause, pipeline.ErrTimeout)
}

// TestOutboundAnswerTimeout: an upstream that takes the request and never
// answers fails with Timeout after the answer timeout, and one that answers
// resets the clock until the next request.
func TestOutboundAnswerTimeout(t *testing.T) {
	got := make(chan []byte, 4)
	addr := echoServer(t, func(c net.Conn) {
		b := make([]byte, 16)
		n, _ := c.Read(b)
		c.Write(b[:n]) // answers the first request only
		io.Copy(io.Discard, c)
		got <- nil
	})
	h := pipelinetest.Of(t, &obFilter{target: addr, opts: pipeline.OutboundOptions{ConnectTimeout: -1, AnswerTimeout: pipeline.DefaultAnswerTimeout}})
	h.InputString("one")
	h.Wait(func() bool { return h.OutputString() == "one" })
	h.Advance(2 * pipeline.DefaultAnswerTimeout)
	require.Nil(t, h.SessionEnd(), "nothing is owed: no timeout")
	h.InputString("two")
	h.Advance(pipeline.DefaultAnswerTimeout - time.Nanosecond)
	require.Nil(t, h.SessionEnd())
	h.Advance(time.Nanosecond)
	se := h.WaitEnd()
	require.Equal(t, event.Timeout, se.Err, se.Message)
	require.ErrorIs(t, se.Cause, pipeline.ErrTimeout)
}

func TestOutboundReadIdleWriteTimeouts(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts pipeline.OutboundOptions
		pipe bool // a net.Pipe nobody reads: writes make no progress
	}{
		{"read", pipeline.OutboundOptions{ReadTimeout: 5 * time.Second}, false},
		{"idle", pipeline.OutboundOptions{IdleTimeout: 5 * time.Second}, false},
		{"write", pipeline.OutboundOptions{WriteTimeout: 5 * time.Second}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.ConnectTimeout, tc.opts.AnswerTimeout = -1, -1
			target := echoServer(t, func(c net.Conn) { io.Copy(io.Discard, c) })
			if tc.pipe {
				tc.opts.Dialer = dialFunc(func(ctx context.Context, network, addr string) (net.Conn, error) {
					a, _ := net.Pipe()
					return a, nil
				})
			}
			h := pipelinetest.Of(t, &obFilter{target: target, opts: tc.opts})
			h.InputString("x")
			h.Wait(func() bool { return h.Clock.Pending() > 0 })
			h.Advance(5*time.Second - time.Nanosecond)
			require.Nil(t, h.SessionEnd())
			h.Advance(time.Nanosecond)
			se := h.WaitEnd()
			require.Equal(t, event.Timeout, se.Err, se.Message)
		})
	}
}

// TestOutboundIdleAndReadTimeoutsDiffer: bytes sent keep a connection
// from being idle, but not from the read timeout (nothing comes back).
func TestOutboundIdleAndReadTimeoutsDiffer(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  pipeline.OutboundOptions
		times bool
	}{
		{"idle", pipeline.OutboundOptions{IdleTimeout: 5 * time.Second}, false},
		{"read", pipeline.OutboundOptions{ReadTimeout: 5 * time.Second}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.ConnectTimeout = -1
			target := echoServer(t, func(c net.Conn) { io.Copy(io.Discard, c) })
			h := pipelinetest.Of(t, &obFilter{target: target, opts: tc.opts})
			h.InputString("x")
			h.Wait(func() bool { return h.Clock.Pending() > 0 })
			h.Advance(3 * time.Second)
			h.InputString("more")
			h.Advance(3 * time.Second)
			if !tc.times {
				require.Nil(t, h.SessionEnd(), "sent 3 s ago: not idle")
				h.Advance(2 * time.Second)
			}
			se := h.WaitEnd()
			require.Equal(t, event.Timeout, se.Err, se.Message)
			require.ErrorIs(t, se.Cause, pipeline.ErrTimeout)
		})
	}
}

func TestOutboundBufferLimit(t *testing.T) {
	dialer := dialFunc(func(ctx context.Context, network, addr string) (net.Conn, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})
	h := pipelinetest.Of(t, &obFilter{target: "x:1", opts: pipeline.OutboundOptions{Dialer: dialer, BufferLimit: 4}})
	h.InputString("1234")
	require.Nil(t, h.SessionEnd())
	h.InputString("5")
	se := h.WaitEnd()
	require.Equal(t, event.BufferOverflow, se.Err, se.Message)
	require.ErrorIs(t, se.Cause, pipeline.ErrBufferLimit)
}

func TestOutboundTLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "secure") }))
	srv.EnableHTTP2 = false
	srv.StartTLS()
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	req := "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"

	cfg := &tls.Config{RootCAs: srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs, ServerName: "example.com"}
	h := pipelinetest.Of(t, &obFilter{target: addr, opts: pipeline.OutboundOptions{TLS: cfg}})
	h.InputString(req)
	se := h.WaitEnd()
	require.Equal(t, event.NoError, se.Err, se.Message)
	require.Contains(t, h.OutputString(), "secure")

	// Without the server's root the certificate is rejected: Unauthorized.
	h = pipelinetest.Of(t, &obFilter{target: addr, opts: pipeline.OutboundOptions{TLS: &tls.Config{ServerName: "example.com"}}})
	h.InputString(req)
	se = h.WaitEnd()
	require.Equal(t, event.Unauthorized, se.Err, se.Message)
}

// TestOutboundALPN: the protocol agreed by ALPN is the Outbound's ALPN;
// with OutboundOptions.ALPN, a remote agreeing on another fails the
// connection, a ProtocolError naming the target and the protocol chosen.
func TestOutboundALPN(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "secure") }))
	srv.EnableHTTP2 = false // ALPN: http/1.1 only
	srv.StartTLS()
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	req := "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
	roots := srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs

	var alpn string
	cfg := &tls.Config{RootCAs: roots, ServerName: "example.com", NextProtos: []string{"h2", "http/1.1"}}
	h := pipelinetest.Of(t, &obFilter{target: addr, opts: pipeline.OutboundOptions{TLS: cfg, ALPN: "http/1.1"}, alpn: &alpn})
	h.InputString(req)
	se := h.WaitEnd()
	require.Equal(t, event.NoError, se.Err, se.Message)
	require.Contains(t, h.OutputString(), "secure")
	require.Equal(t, "http/1.1", alpn)

	h = pipelinetest.Of(t, &obFilter{target: addr, opts: pipeline.OutboundOptions{TLS: cfg, ALPN: "h2"}})
	h.InputString(req)
	se = h.WaitEnd()
	require.Equal(t, event.ProtocolError, se.Err, se.Message)
	require.ErrorIs(t, se.Cause, pipeline.ErrALPN)
	require.Contains(t, se.Message, addr+` agreed on "http/1.1" by ALPN, not "h2"`)
}

func TestDialErrorKind(t *testing.T) {
	require.Equal(t, event.CannotResolve, pipeline.DialErrorKind(&net.DNSError{Err: "no such host", Name: "x"}))
	require.Equal(t, event.ConnectionRefused, pipeline.DialErrorKind(&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}))
	require.Equal(t, event.Timeout, pipeline.DialErrorKind(context.DeadlineExceeded))
	require.Equal(t, event.ReadError, pipeline.DialErrorKind(&net.OpError{Op: "read", Err: syscall.ECONNRESET}))
	require.Equal(t, event.ConnectionRefused, pipeline.DialErrorKind(errors.New("other")))
}

func TestOutboundRelay(t *testing.T) {
	upstream := echoServer(t, func(c net.Conn) { io.Copy(c, c) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := pipeline.NewServer(pipeline.New("relay", &relayFilter{obFilter{target: upstream}}), nil)
	go srv.Serve(ln)
	defer srv.Close()
	accepted, spliced := pipeline.RelayCounts()

	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	_, err = c.Write([]byte("through the kernel"))
	require.NoError(t, err)
	c.(*net.TCPConn).CloseWrite()
	got, err := io.ReadAll(c)
	require.NoError(t, err)
	require.Equal(t, "through the kernel", string(got), "the client's FIN reaches the echo, whose close ends the relay")
	a, s := pipeline.RelayCounts()
	require.Equal(t, accepted+1, a)
	require.Equal(t, spliced+1, s)
}

// TestOutboundNoAnswerTimeoutByDefault: a plain byte stream owes no answer:
// an upstream that only reads is not cut, however long it stays silent.
func TestOutboundNoAnswerTimeoutByDefault(t *testing.T) {
	addr := echoServer(t, func(c net.Conn) { io.Copy(io.Discard, c) })
	h := pipelinetest.Of(t, &obFilter{target: addr})
	h.InputString("log line\n")
	h.Wait(func() bool { return h.Clock.Pending() == 0 }) // connected: the connect timeout is gone, no other timer
	h.Advance(10 * pipeline.DefaultAnswerTimeout)
	require.Nil(t, h.SessionEnd())
}
