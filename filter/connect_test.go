package filter_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/internal/testnet"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/require"
)

func TestConnectEcho(t *testing.T) {
	leaks := netLeakBaseline(t)
	srv := testnet.Serve(t, testnet.Echo)
	f := filter.Connect(srv.Addr(), filter.ConnectOptions{})
	require.Equal(t, "connect", f.Info().Name)
	h := pipelinetest.Of(t, f)
	h.InputString("hello ").InputMessage(nil, "world")
	h.Wait(func() bool { return h.OutputString() == "hello world" })
	require.Nil(t, h.SessionEnd(), "input events are not passed on; the output is the remote's")
	h.End()
	require.False(t, h.Ended() && h.SessionEnd() == nil)
	se := h.WaitEnd()
	require.Equal(t, event.NoError, se.Err, se.Message)
	require.Equal(t, `D"hello world" SE`, pipelinetest.Dump(mergeData(h.Output())))
	srv.Close()
	leaks.check()
}

// mergeData joins adjacent Data events, so dumps do not depend on how the
// bytes were cut.
func mergeData(evts []event.Event) []event.Event {
	var out []event.Event
	for _, e := range evts {
		if d, ok := e.(*event.Data); ok && len(out) > 0 {
			if last, ok := out[len(out)-1].(*event.Data); ok {
				last.PushData(d)
				continue
			}
			d = d.Clone()
			e = d
		}
		out = append(out, e)
	}
	return out
}

func TestConnectHalfClose(t *testing.T) {
	leaks := netLeakBaseline(t)
	srv := testnet.Serve(t, func(c *net.TCPConn) {
		b, _ := io.ReadAll(c) // until our FIN
		time.Sleep(0)
		fmt.Fprintf(c, "got %d bytes", len(b))
	})
	h := pipelinetest.Of(t, filter.Connect(srv.Addr(), filter.ConnectOptions{}))
	h.InputString("12345").End()
	require.False(t, h.Ended(), "held until the remote closes")
	se := h.WaitEnd()
	require.Equal(t, event.NoError, se.Err, se.Message)
	require.Equal(t, "got 5 bytes", h.OutputString())
	srv.Close()
	leaks.check()
}

func TestConnectRemoteClosesFirst(t *testing.T) {
	leaks := netLeakBaseline(t)
	srv := testnet.Serve(t, func(c *net.TCPConn) {
		io.ReadFull(c, make([]byte, 2)) // closing with unread bytes would reset
		c.Write([]byte("bye"))
	})
	h := pipelinetest.Of(t, filter.Connect(srv.Addr(), filter.ConnectOptions{}))
	h.InputString("hi")
	se := h.WaitEnd()
	require.Equal(t, event.NoError, se.Err, se.Message)
	require.Equal(t, "bye", h.OutputString())
	srv.Close()
	leaks.check()
}

func TestConnectLargeEcho(t *testing.T) {
	leaks := netLeakBaseline(t)
	srv := testnet.Serve(t, testnet.Echo)
	in := pattern(64<<20, 1)
	h := pipelinetest.Of(t, filter.Connect(srv.Addr(), filter.ConnectOptions{}))
	h.InputString("ping")
	h.Wait(func() bool { return h.OutputString() == "ping" }) // connected
	for off := 0; off < len(in); off += 64 << 10 {
		h.InputBytes(in[off : off+64<<10])
	}
	h.End()
	se := h.WaitEnd()
	require.Equal(t, event.NoError, se.Err, se.Message)
	require.True(t, bytes.Equal(append([]byte("ping"), in...), []byte(h.OutputString())))
	srv.Close()
	leaks.check()
}

func TestConnectEmptySessionDoesNotDial(t *testing.T) {
	srv := testnet.Serve(t, testnet.Echo)
	h := pipelinetest.Of(t, filter.Connect(srv.Addr(), filter.ConnectOptions{}))
	h.End()
	require.True(t, h.Ended())
	require.Equal(t, "SE", pipelinetest.Dump(h.Output()))
	require.Zero(t, srv.Accepted())
}

func TestConnectRefused(t *testing.T) {
	refused := testnet.RefusedAddr(t) // its socket stays open until cleanup
	leaks := netLeakBaseline(t)
	h := pipelinetest.Of(t, filter.Connect(refused, filter.ConnectOptions{}))
	h.InputString("x")
	se := h.WaitEnd()
	require.Equal(t, event.ConnectionRefused, se.Err, se.Message)
	require.Equal(t, "SE(connection refused: "+se.Message+")", pipelinetest.Dump(h.Output()))
	leaks.check()
}

func TestConnectCannotResolve(t *testing.T) {
	leaks := netLeakBaseline(t)
	dialer := dialerFunc(func(ctx context.Context, network, addr string) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: "nowhere.invalid", IsNotFound: true}}
	})
	h := pipelinetest.Of(t, filter.Connect("nowhere.invalid:80", filter.ConnectOptions{Dialer: dialer}))
	h.InputString("x")
	se := h.WaitEnd()
	require.Equal(t, event.CannotResolve, se.Err, se.Message)
	require.Contains(t, se.Message, "nowhere.invalid")

	h = pipelinetest.Of(t, filter.ConnectFunc(func(*pipeline.Stream) string { return "no-port" }, filter.ConnectOptions{}))
	h.InputString("x")
	se = h.SessionEnd()
	require.Equal(t, event.CannotResolve, se.Err, se.Message)
	require.ErrorIs(t, se.Cause, filter.ErrBadTarget)
	leaks.check()
}

func TestConnectRetry(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	for _, tc := range []struct {
		name      string
		retries   int
		failures  int32
		wantTries int32
		want      event.ErrorKind
	}{
		{"no retry", 0, 100, 1, event.ConnectionRefused},
		{"gives up", 2, 100, 3, event.ConnectionRefused},
		{"succeeds", 2, 2, 3, event.NoError},
		{"forever", -1, 7, 8, event.NoError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leaks := netLeakBaseline(t)
			var tries atomic.Int32
			dialer := dialerFunc(func(ctx context.Context, network, addr string) (net.Conn, error) {
				if tries.Add(1) <= tc.failures {
					return nil, refused
				}
				a, b := net.Pipe()
				go func() { // the remote: says what it got, then closes
					got := make([]byte, 4)
					io.ReadFull(b, got)
					b.Write([]byte("got " + string(got)))
					b.Close()
				}()
				return a, nil
			})
			h := pipelinetest.Of(t, filter.Connect("upstream:1", filter.ConnectOptions{RetryCount: tc.retries, RetryDelay: 2 * time.Second, Dialer: dialer, ConnectTimeout: -1, AnswerTimeout: -1}))
			h.InputString("data")
			for {
				h.Wait(func() bool { return h.Ended() || h.Clock.Pending() > 0 })
				if h.Ended() {
					break
				}
				n := tries.Load()
				h.Advance(2*time.Second - time.Nanosecond)
				require.Equal(t, n, tries.Load(), "no retry before the delay")
				h.Advance(time.Nanosecond)
				h.Wait(func() bool { return tries.Load() == n+1 })
			}
			se := h.SessionEnd()
			require.Equal(t, tc.want, se.Err, se.Message)
			require.Equal(t, tc.wantTries, tries.Load())
			if tc.want == event.NoError {
				require.Equal(t, "got data", h.OutputString(), "what waited during the retries is sent")
			}
			leaks.check() // no dial, retry timer or reader left behind
		})
	}
}

func TestConnectResetMidResponse(t *testing.T) {
	leaks := netLeakBaseline(t)
	reset := make(chan struct{})
	srv := testnet.Serve(t, func(c *net.TCPConn) {
		c.Write([]byte("partial"))
		<-reset
		c.SetLinger(0) // close with RST
	})
	h := pipelinetest.Of(t, filter.Connect(srv.Addr(), filter.ConnectOptions{}))
	h.InputString("request")
	h.Wait(func() bool { return h.OutputString() == "partial" })
	close(reset)
	se := h.WaitEnd()
	require.Equal(t, event.ReadError, se.Err, se.Message)
	srv.Close()
	leaks.check()
}

func TestConnectReadTimeout(t *testing.T) {
	leaks := netLeakBaseline(t)
	srv := testnet.Serve(t, func(c *net.TCPConn) { io.Copy(io.Discard, c) })
	h := pipelinetest.Of(t, filter.Connect(srv.Addr(), filter.ConnectOptions{ReadTimeout: 5 * time.Second, ConnectTimeout: -1}))
	h.InputString("anyone there?")
	h.Wait(func() bool { return h.Clock.Pending() > 0 }) // connected: the timeout is armed
	h.Advance(5*time.Second - time.Nanosecond)
	require.Nil(t, h.SessionEnd())
	h.Advance(time.Nanosecond)
	se := h.SessionEnd()
	require.NotNil(t, se)
	require.Equal(t, event.Timeout, se.Err, se.Message)
	require.ErrorIs(t, se.Cause, filter.ErrTimeout)
	srv.Close()
	leaks.check()
}

func TestConnectIdleTimeout(t *testing.T) {
	leaks := netLeakBaseline(t)
	srv := testnet.Serve(t, testnet.Echo)
	h := pipelinetest.Of(t, filter.Connect(srv.Addr(), filter.ConnectOptions{IdleTimeout: 10 * time.Second}))
	h.InputString("a")
	h.Wait(func() bool { return h.OutputString() == "a" })
	h.Advance(6 * time.Second)
	h.InputString("b")
	h.Wait(func() bool { return h.OutputString() == "ab" })
	h.Advance(6 * time.Second)
	require.Nil(t, h.SessionEnd(), "traffic at 6s keeps it alive until 16s")
	h.Advance(4 * time.Second)
	se := h.SessionEnd()
	require.NotNil(t, se)
	require.Equal(t, event.Timeout, se.Err, se.Message)
	srv.Close()
	leaks.check()
}

func TestConnectWriteTimeout(t *testing.T) {
	leaks := netLeakBaseline(t)
	dialer := dialerFunc(func(ctx context.Context, network, addr string) (net.Conn, error) {
		a, _ := net.Pipe() // nobody reads the other end
		return a, nil
	})
	h := pipelinetest.Of(t, filter.Connect("upstream:1", filter.ConnectOptions{WriteTimeout: 3 * time.Second, Dialer: dialer, ConnectTimeout: -1}))
	h.InputString("stuck")
	h.Wait(func() bool { return h.Clock.Pending() > 0 })
	h.Advance(3 * time.Second)
	se := h.SessionEnd()
	require.NotNil(t, se)
	require.Equal(t, event.Timeout, se.Err, se.Message)
	leaks.check()
}

func TestConnectConnectTimeout(t *testing.T) {
	leaks := netLeakBaseline(t)
	entered := make(chan struct{})
	dialer := dialerFunc(func(ctx context.Context, network, addr string) (net.Conn, error) {
		close(entered)
		<-ctx.Done()
		return nil, ctx.Err()
	})
	h := pipelinetest.Of(t, filter.Connect("upstream:1", filter.ConnectOptions{ConnectTimeout: time.Second, Dialer: dialer}))
	h.InputString("x")
	<-entered
	h.Advance(time.Second)
	se := h.WaitEnd()
	require.Equal(t, event.Timeout, se.Err, se.Message)
	leaks.check()
}

func TestConnectBufferLimit(t *testing.T) {
	leaks := netLeakBaseline(t)
	dialer := dialerFunc(func(ctx context.Context, network, addr string) (net.Conn, error) {
		<-ctx.Done() // never connects
		return nil, ctx.Err()
	})
	h := pipelinetest.Of(t, filter.Connect("upstream:1", filter.ConnectOptions{BufferLimit: 10, Dialer: dialer}))
	h.InputString("123456")
	require.False(t, h.Ended())
	h.InputString("7890")
	require.False(t, h.Ended(), "exactly the limit is fine")
	h.InputString("!")
	se := h.SessionEnd()
	require.NotNil(t, se)
	require.Equal(t, event.BufferOverflow, se.Err, se.Message)
	require.ErrorIs(t, se.Cause, filter.ErrBufferLimit)
	leaks.check() // the dial was cancelled and its goroutine is gone
}

// TestConnectPausesClientWhileDialing: while the dial runs, holding half of
// BufferLimit closes the context's valve (the client's connection stops being
// read) instead of letting a fast client overflow the buffer; the valve opens
// once the connection is up and what was held is sent. It also opens when
// the dial fails, and when the stream is closed during the dial.
func TestConnectPausesClientWhileDialing(t *testing.T) {
	leaks := netLeakBaseline(t)
	for _, outcome := range []string{"connects", "fails", "closed"} {
		t.Run(outcome, func(t *testing.T) {
			release := make(chan struct{})
			got := make(chan string, 1)
			dialer := dialerFunc(func(ctx context.Context, network, addr string) (net.Conn, error) {
				select {
				case <-release:
				case <-ctx.Done():
					return nil, ctx.Err()
				}
				if outcome == "fails" {
					return nil, &net.OpError{Op: "dial", Net: network, Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
				}
				a, b := net.Pipe()
				go func() {
					all, _ := io.ReadAll(b)
					got <- string(all)
					b.Close()
				}()
				return a, nil
			})
			h := pipelinetest.Of(t, filter.Connect("upstream:1", filter.ConnectOptions{BufferLimit: 100, Dialer: dialer}))
			valve := h.Context.Valve()
			h.InputString(strings.Repeat("a", 49))
			require.True(t, valve.IsOpen(), "less than half the limit held")
			h.InputString("b")
			require.False(t, valve.IsOpen(), "half the limit held: the client is paused")
			h.InputString(strings.Repeat("c", 50))
			require.False(t, h.Ended(), "exactly the limit is fine")
			switch outcome {
			case "connects":
				close(release)
				h.Wait(valve.IsOpen)
				h.End()
				se := h.WaitEnd()
				require.Equal(t, event.NoError, se.Err, se.Message)
				require.Equal(t, strings.Repeat("a", 49)+"b"+strings.Repeat("c", 50), <-got)
			case "fails":
				close(release)
				se := h.WaitEnd()
				require.Equal(t, event.ConnectionRefused, se.Err, se.Message)
				require.True(t, valve.IsOpen())
			case "closed":
				h.Stream.Close()
				require.True(t, valve.IsOpen())
			}
		})
	}
	leaks.check()
}

// TestConnectClientLeaves closes the stream (the client went away) while the
// upstream is still sending: the upstream sees its connection closed.
func TestConnectClientLeaves(t *testing.T) {
	leaks := netLeakBaseline(t)
	upstreamDone := make(chan error, 1)
	srv := testnet.Serve(t, func(c *net.TCPConn) {
		chunk := pattern(16<<10, 2)
		for {
			if _, err := c.Write(chunk); err != nil {
				upstreamDone <- err
				return
			}
		}
	})
	h := pipelinetest.Of(t, filter.Connect(srv.Addr(), filter.ConnectOptions{}))
	h.InputString("send me everything")
	h.Wait(func() bool { return len(h.OutputString()) > 256<<10 })
	h.Stream.Close()
	select {
	case err := <-upstreamDone:
		require.Error(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("the upstream connection was not closed")
	}
	srv.Close()
	leaks.check()
}

// TestConnectBackpressure: an upstream that does not read closes the
// context's valve, which is what stops the reading of the client's side;
// once it reads again, the valve opens.
func TestConnectBackpressure(t *testing.T) {
	leaks := netLeakBaseline(t)
	startReading := make(chan struct{})
	var got atomic.Int64
	srv := testnet.Serve(t, func(c *net.TCPConn) {
		c.SetReadBuffer(64 << 10)
		c.Write([]byte("!")) // tells the test that the connection is up
		<-startReading
		n, _ := io.Copy(io.Discard, c)
		got.Store(n)
	})
	// A test that fails early must not leave the handler waiting: the
	// server's cleanup waits for it.
	release := sync.OnceFunc(func() { close(startReading) })
	t.Cleanup(release)
	h := pipelinetest.Of(t, filter.Connect(srv.Addr(), filter.ConnectOptions{}))
	valve := h.Context.Valve()
	chunk := strings.Repeat("x", 64<<10)
	sent := 0
	h.InputString("x")
	sent++
	// Waiting for the server to count the connection would hang: the accept
	// may come after the dial's result, and then nothing wakes the worker.
	h.Wait(func() bool { return h.OutputString() == "!" })
	for valve.IsOpen() && sent < 256<<20 {
		h.InputString(chunk)
		sent += len(chunk)
	}
	require.False(t, valve.IsOpen(), "the valve closed after %d bytes", sent)
	release()
	h.Wait(valve.IsOpen)
	h.End()
	se := h.WaitEnd()
	require.Equal(t, event.NoError, se.Err, se.Message)
	srv.Close()
	require.EqualValues(t, sent, got.Load())
	leaks.check()
}
