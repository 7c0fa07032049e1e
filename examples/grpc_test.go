package examples_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluice-go/sluice/internal/testnet"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// The grpc-proxy example between a grpc-go client and a grpc-go service.
// The service, test.Echo, is written by hand (a grpc.ServiceDesc) over raw
// byte messages (testnet.RawCodec), so no protobuf code is generated; its methods
// cover the four kinds of call, an error with details, a call that never
// answers and one whose service goes away mid-stream.

// grpcService is a running test.Echo service.
type grpcService struct {
	addr  string
	calls atomic.Int32 // calls received
	// started gets the name of each call as its handler starts, a unary
	// one's once its message is in (if it has room)
	started chan string
	hangEnd chan error    // what ended each Hang call
	release chan struct{} // closed: Quiet sends its second message
	conns   atomic.Int32  // connections accepted
	mu      sync.Mutex
	open    []net.Conn
}

// kill resets every connection the service has: it goes away mid-call.
func (g *grpcService) kill() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, c := range g.open {
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
		c.Close()
	}
}

// Accept counts and keeps the connections (as the service's listener).
type trackedListener struct {
	net.Listener
	g *grpcService
}

func (l trackedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.g.conns.Add(1)
		l.g.mu.Lock()
		l.g.open = append(l.g.open, c)
		l.g.mu.Unlock()
	}
	return c, err
}

func msg(s string) *[]byte { b := []byte(s); return &b }

// startGRPCService serves test.Echo on 127.0.0.1 until the test ends:
//
//	Unary         the message back; header x-echo (the call's x-id), x-bin
//	              (its x-bin) and x-xff (its x-forwarded-for), trailer
//	              x-trailer
//	Fail          INVALID_ARGUMENT "bad request" with a BadRequest detail
//	Hang          no answer until the call ends
//	Stall         no answer until release is closed, the call's end sent
//	              to hangEnd as Hang's (so that grpc-go's own reset at the
//	              call's deadline, RST_STREAM CANCEL, is all that comes)
//	Count         server streaming: message "n" gets n messages "0".."n-1"
//	Join          client streaming: the messages joined by ","
//	Bidi          each message back as it comes
//	Quiet         server streaming: "first", and "second" once release is
//	              closed (never: no more until the call ends)
func startGRPCService(t *testing.T) *grpcService {
	t.Helper()
	g := &grpcService{started: make(chan string, 64), hangEnd: make(chan error, 64), release: make(chan struct{})}
	begin := func(name string) {
		g.calls.Add(1)
		select {
		case g.started <- name:
		default:
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	g.addr = ln.Addr().String()
	unary := func(name string, f func(ctx context.Context, in []byte) (*[]byte, error)) grpc.MethodDesc {
		return grpc.MethodDesc{MethodName: name, Handler: func(_ any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
			var in []byte
			if err := dec(&in); err != nil {
				return nil, err
			}
			begin(name) // once the message is in: grpc-go starts the handler at the HEADERS
			return f(ctx, in)
		}}
	}
	stream := func(name string, client, server bool, f func(grpc.ServerStream) error) grpc.StreamDesc {
		return grpc.StreamDesc{StreamName: name, ClientStreams: client, ServerStreams: server, Handler: func(_ any, ss grpc.ServerStream) error {
			begin(name)
			return f(ss)
		}}
	}
	desc := grpc.ServiceDesc{
		ServiceName: "test.Echo",
		HandlerType: (*any)(nil),
		Methods: []grpc.MethodDesc{
			unary("Unary", func(ctx context.Context, in []byte) (*[]byte, error) {
				md, _ := metadata.FromIncomingContext(ctx)
				_ = grpc.SetHeader(ctx, metadata.Pairs("x-echo", strings.Join(md.Get("x-id"), ","), "x-xff", strings.Join(md.Get("x-forwarded-for"), ",")))
				_ = grpc.SetHeader(ctx, metadata.MD{"x-bin": md.Get("x-bin")}) // binary, base64 on the wire
				_ = grpc.SetTrailer(ctx, metadata.Pairs("x-trailer", "done"))
				return &in, nil
			}),
			unary("Fail", func(context.Context, []byte) (*[]byte, error) {
				return nil, badRequest().Err()
			}),
			unary("Stall", func(ctx context.Context, _ []byte) (*[]byte, error) {
				<-ctx.Done()
				g.hangEnd <- ctx.Err()
				<-g.release
				return nil, status.FromContextError(ctx.Err()).Err()
			}),
			unary("Hang", func(ctx context.Context, _ []byte) (*[]byte, error) {
				<-ctx.Done()
				g.hangEnd <- ctx.Err()
				return nil, status.FromContextError(ctx.Err()).Err()
			}),
		},
		Streams: []grpc.StreamDesc{
			stream("Count", false, true, func(ss grpc.ServerStream) error {
				var in []byte
				if err := ss.RecvMsg(&in); err != nil {
					return err
				}
				n, _ := strconv.Atoi(string(in))
				for i := range n {
					if err := ss.SendMsg(msg(strconv.Itoa(i))); err != nil {
						return err
					}
				}
				return nil
			}),
			stream("Join", true, false, func(ss grpc.ServerStream) error {
				var all []string
				for {
					var in []byte
					err := ss.RecvMsg(&in)
					if err == io.EOF {
						return ss.SendMsg(msg(strings.Join(all, ",")))
					}
					if err != nil {
						return err
					}
					all = append(all, string(in))
				}
			}),
			stream("Bidi", true, true, func(ss grpc.ServerStream) error {
				for {
					var in []byte
					err := ss.RecvMsg(&in)
					if err == io.EOF {
						return nil
					}
					if err != nil {
						return err
					}
					if err := ss.SendMsg(&in); err != nil {
						return err
					}
				}
			}),
			stream("Quiet", false, true, func(ss grpc.ServerStream) error {
				var in []byte
				if err := ss.RecvMsg(&in); err != nil {
					return err
				}
				if err := ss.SendMsg(msg("first")); err != nil {
					return err
				}
				select {
				case <-g.release:
				case <-ss.Context().Done():
					return ss.Context().Err()
				}
				return ss.SendMsg(msg("second"))
			}),
		},
	}
	srv := grpc.NewServer(grpc.ForceServerCodec(testnet.RawCodec{}))
	srv.RegisterService(&desc, struct{}{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(trackedListener{ln, g})
	}()
	t.Cleanup(func() {
		srv.Stop()
		<-done
	})
	return g
}

// badRequest is the status Fail answers: a code, a message and a detail.
func badRequest() *status.Status {
	s, err := status.New(codes.InvalidArgument, "bad request").WithDetails(&errdetails.BadRequest{
		FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: "name", Description: "must not be empty"}},
	})
	if err != nil {
		panic(err)
	}
	return s
}

// grpcClient is a grpc-go client of addr (h2c), closed when the test ends.
func grpcClient(t *testing.T, addr string) *grpc.ClientConn {
	t.Helper()
	cc, err := grpc.NewClient("passthrough:///"+addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(testnet.RawCodec{})))
	require.NoError(t, err)
	t.Cleanup(func() { cc.Close() })
	return cc
}

// callCtx bounds a call: a call that hangs fails with DEADLINE_EXCEEDED
// instead of hanging the test.
func callCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
	t.Cleanup(cancel)
	return ctx
}

// startGRPCProxy runs examples/grpc-proxy in front of a new test.Echo
// service, with /test.Echo/Denied denied, and returns both. clock, if
// given, is the proxy's.
func startGRPCProxy(t *testing.T, clock ...*testClock) (*program, *grpcService) {
	t.Helper()
	svc := startGRPCService(t)
	t.Setenv("UPSTREAM", svc.addr)
	t.Setenv("GRPC_DENY", "/test.Echo/Denied, /test.Echo/Other")
	return start(t, "grpc-proxy", append(clock, nil)[0]), svc
}

var (
	serverStreaming = &grpc.StreamDesc{ServerStreams: true}
	clientStreaming = &grpc.StreamDesc{ClientStreams: true}
	bidiStreaming   = &grpc.StreamDesc{ClientStreams: true, ServerStreams: true}
)

// TestGRPCProxyCalls: the four kinds of call through the proxy, with
// metadata both ways and trailers; all on one connection to the service.
func TestGRPCProxyCalls(t *testing.T) {
	leakCheck(t)
	p, svc := startGRPCProxy(t)
	cc := grpcClient(t, p.addr)

	t.Run("unary", func(t *testing.T) {
		ctx := metadata.AppendToOutgoingContext(callCtx(t), "x-id", "42", "x-bin", "\x00\xff binary")
		var out []byte
		var header, trailer metadata.MD
		require.NoError(t, cc.Invoke(ctx, "/test.Echo/Unary", msg("hello"), &out, grpc.Header(&header), grpc.Trailer(&trailer)))
		assert.Equal(t, "hello", string(out))
		assert.Equal(t, []string{"42"}, header.Get("x-echo"), "request metadata reaches the service")
		assert.Equal(t, []string{"\x00\xff binary"}, header.Get("x-bin"), "binary metadata both ways")
		assert.Equal(t, []string{"127.0.0.1"}, header.Get("x-xff"), "the proxy's x-forwarded-for")
		assert.Equal(t, []string{"done"}, trailer.Get("x-trailer"))
	})
	t.Run("server streaming", func(t *testing.T) {
		st, err := cc.NewStream(callCtx(t), serverStreaming, "/test.Echo/Count")
		require.NoError(t, err)
		require.NoError(t, st.SendMsg(msg("5")))
		require.NoError(t, st.CloseSend())
		var got []string
		for {
			var out []byte
			err := st.RecvMsg(&out)
			if err == io.EOF {
				break
			}
			require.NoError(t, err)
			got = append(got, string(out))
		}
		assert.Equal(t, []string{"0", "1", "2", "3", "4"}, got)
	})
	t.Run("client streaming", func(t *testing.T) {
		st, err := cc.NewStream(callCtx(t), clientStreaming, "/test.Echo/Join")
		require.NoError(t, err)
		for _, m := range []string{"a", "b", "c"} {
			require.NoError(t, st.SendMsg(msg(m)))
		}
		require.NoError(t, st.CloseSend())
		var out []byte
		require.NoError(t, st.RecvMsg(&out))
		assert.Equal(t, "a,b,c", string(out))
	})
	t.Run("bidi", func(t *testing.T) {
		st, err := cc.NewStream(callCtx(t), bidiStreaming, "/test.Echo/Bidi")
		require.NoError(t, err)
		for _, m := range []string{"one", "two", "three"} { // each answered before the next is sent
			require.NoError(t, st.SendMsg(msg(m)))
			var out []byte
			require.NoError(t, st.RecvMsg(&out), m)
			assert.Equal(t, m, string(out))
		}
		require.NoError(t, st.CloseSend())
		var out []byte
		assert.Equal(t, io.EOF, st.RecvMsg(&out))
	})
	t.Run("large", func(t *testing.T) { // past every HTTP/2 window on both legs
		big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
		st, err := cc.NewStream(callCtx(t), bidiStreaming, "/test.Echo/Bidi")
		require.NoError(t, err)
		for i := range 3 {
			require.NoError(t, st.SendMsg(&big))
			var out []byte
			require.NoError(t, st.RecvMsg(&out), i)
			assert.True(t, bytes.Equal(big, out), "message %d: %d bytes back", i, len(out))
		}
		require.NoError(t, st.CloseSend())
		var out []byte
		assert.Equal(t, io.EOF, st.RecvMsg(&out))
	})
	t.Run("concurrent", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, 20)
		for i := range 20 {
			wg.Go(func() {
				var out []byte
				want := fmt.Sprint("call ", i)
				if err := cc.Invoke(callCtx(t), "/test.Echo/Unary", msg(want), &out); err != nil || string(out) != want {
					errs <- fmt.Errorf("%s: got %q, %v", want, out, err)
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})
	assert.Equal(t, int32(1), svc.conns.Load(), "every call over one pooled HTTP/2 connection to the service")
}

// TestGRPCProxyErrorDetails: an error status with details reaches the
// client unchanged: code, message and details.
func TestGRPCProxyErrorDetails(t *testing.T) {
	leakCheck(t)
	p, _ := startGRPCProxy(t)
	var out []byte
	err := grpcClient(t, p.addr).Invoke(callCtx(t), "/test.Echo/Fail", msg("x"), &out)
	got := status.Convert(err)
	want := badRequest()
	assert.Equal(t, want.Code(), got.Code(), "%v", err)
	assert.Equal(t, want.Message(), got.Message())
	assert.True(t, proto.Equal(want.Proto(), got.Proto()), "details: got %v, want %v", got.Details(), want.Details())
}

// TestGRPCProxyDeadline: a call whose service never answers ends with
// DEADLINE_EXCEEDED at the client's deadline, the service's call ends, and
// the proxy goes on. The service honours grpc-timeout: at its own deadline
// (a little after the client's) it resets the call (RST_STREAM CANCEL),
// and should that reset reach the proxy before the client's own reset, the
// proxy passes it on as it came, which grpc-go past its deadline reads as
// DEADLINE_EXCEEDED (a 502 would read as UNAVAILABLE).
func TestGRPCProxyDeadline(t *testing.T) {
	leakCheck(t)
	p, svc := startGRPCProxy(t)
	cc := grpcClient(t, p.addr)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	var out []byte
	err := cc.Invoke(ctx, "/test.Echo/Hang", msg("x"), &out)
	assert.Equal(t, codes.DeadlineExceeded, status.Code(err), "%v", err)
	assert.Error(t, waitHangEnd(t, svc), "the service's call ended")
	require.NoError(t, cc.Invoke(callCtx(t), "/test.Echo/Unary", msg("after"), &out))
	assert.Equal(t, "after", string(out))
}

// TestGRPCProxyServiceResetPassedOn: a service's reset of a call not
// answered yet (grpc-go's at the grpc-timeout the call carries: RST_STREAM
// CANCEL) reaches an HTTP/2 client as that reset, not as a 502. The client
// here has no deadline of its own, so the service's reset always comes
// first (the race TestGRPCProxyDeadline's client may lose or win), and the
// service's handler (Stall) does not answer in its place.
func TestGRPCProxyServiceResetPassedOn(t *testing.T) {
	leakCheck(t)
	p, svc := startGRPCProxy(t)
	defer close(svc.release)
	//lint:ignore SA1019 x/net's Transport reports a reset as http2.StreamError with its code; net/http's bundled copy does not export that type
	tr := &http2.Transport{AllowHTTP: true, DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
	defer tr.CloseIdleConnections() //lint:ignore SA1019 as above
	req, err := http.NewRequest("POST", "http://"+p.addr+"/test.Echo/Stall", bytes.NewReader([]byte{0, 0, 0, 0, 1, 'x'}))
	require.NoError(t, err)
	req.Header.Set("content-type", "application/grpc")
	req.Header.Set("te", "trailers")
	req.Header.Set("grpc-timeout", "100m")
	resp, err := tr.RoundTrip(req) //lint:ignore SA1019 as above
	if err == nil {
		resp.Body.Close()
	}
	var se http2.StreamError
	require.ErrorAs(t, err, &se, "status %v", resp)
	assert.Equal(t, http2.ErrCodeCancel, se.Code)
	assert.Error(t, waitHangEnd(t, svc), "the service's call ended")
}

// waitHangEnd waits for the service's Hang call to end and returns why.
func waitHangEnd(t *testing.T, svc *grpcService) error {
	t.Helper()
	select {
	case err := <-svc.hangEnd:
		return err
	case <-time.After(ioTimeout):
		t.Fatal("the service's call did not end")
		return nil
	}
}

// TestGRPCProxyCancel: a call the client cancels is cancelled at the
// service too (its RST_STREAM passed on), long before its deadline.
func TestGRPCProxyCancel(t *testing.T) {
	leakCheck(t)
	p, svc := startGRPCProxy(t)
	cc := grpcClient(t, p.addr)
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		var out []byte
		errc <- cc.Invoke(ctx, "/test.Echo/Hang", msg("x"), &out)
	}()
	select {
	case <-svc.started:
	case <-time.After(ioTimeout):
		t.Fatal("the call did not reach the service")
	}
	cancel()
	assert.Equal(t, codes.Canceled, status.Code(<-errc))
	assert.ErrorIs(t, waitHangEnd(t, svc), context.Canceled, "cancelled, not timed out, at the service")
}

// TestGRPCProxyServiceDies: the service's connection reset in the middle of
// a server-streaming call ends the call with UNAVAILABLE, not a hang; the
// next call gets a new connection.
func TestGRPCProxyServiceDies(t *testing.T) {
	leakCheck(t)
	p, svc := startGRPCProxy(t)
	cc := grpcClient(t, p.addr)
	st, err := cc.NewStream(callCtx(t), serverStreaming, "/test.Echo/Quiet")
	require.NoError(t, err)
	require.NoError(t, st.SendMsg(msg("go")))
	require.NoError(t, st.CloseSend())
	var out []byte
	require.NoError(t, st.RecvMsg(&out))
	assert.Equal(t, "first", string(out))
	svc.kill()
	err = st.RecvMsg(&out)
	assert.Equal(t, codes.Unavailable, status.Code(err), "%v", err)

	require.NoError(t, cc.Invoke(callCtx(t), "/test.Echo/Unary", msg("again"), &out))
	assert.Equal(t, "again", string(out))
}

// TestGRPCProxyDenies: a method listed in GRPC_DENY is answered by the
// proxy with PERMISSION_DENIED; the service never sees it.
func TestGRPCProxyDenies(t *testing.T) {
	leakCheck(t)
	p, svc := startGRPCProxy(t)
	var out []byte
	err := grpcClient(t, p.addr).Invoke(callCtx(t), "/test.Echo/Denied", msg("x"), &out)
	s := status.Convert(err)
	assert.Equal(t, codes.PermissionDenied, s.Code(), "%v", err)
	assert.Equal(t, "denied by the proxy: /test.Echo/Denied", s.Message())
	assert.Zero(t, svc.calls.Load())
}

// TestGRPCProxyOverTLS: with TLS_CERT and TLS_KEY the proxy's port is TLS,
// h2 chosen by ALPN, which grpc-go's TLS client requires.
func TestGRPCProxyOverTLS(t *testing.T) {
	leakCheck(t)
	cert := testnet.NewCert(t, "localhost")
	certFile, keyFile := cert.Files(t)
	t.Setenv("TLS_CERT", certFile)
	t.Setenv("TLS_KEY", keyFile)
	p, _ := startGRPCProxy(t)
	cc, err := grpc.NewClient("passthrough:///"+p.addr,
		grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: cert.Pool, ServerName: "localhost"})),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(testnet.RawCodec{})))
	require.NoError(t, err)
	defer cc.Close()
	var out []byte
	require.NoError(t, cc.Invoke(callCtx(t), "/test.Echo/Unary", msg("over tls"), &out))
	assert.Equal(t, "over tls", string(out))
	st, err := cc.NewStream(callCtx(t), bidiStreaming, "/test.Echo/Bidi")
	require.NoError(t, err)
	require.NoError(t, st.SendMsg(msg("bidi")))
	require.NoError(t, st.RecvMsg(&out))
	assert.Equal(t, "bidi", string(out))
	require.NoError(t, st.CloseSend())
	assert.Equal(t, io.EOF, st.RecvMsg(&out))
}

// TestGRPCProxyServiceGoneBeforeAnswering: a service that goes away before
// it has answered (in a client-streaming call), or that is not there at
// all, gives UNAVAILABLE.
func TestGRPCProxyServiceGoneBeforeAnswering(t *testing.T) {
	leakCheck(t)
	t.Run("mid-call", func(t *testing.T) {
		p, svc := startGRPCProxy(t)
		st, err := grpcClient(t, p.addr).NewStream(callCtx(t), clientStreaming, "/test.Echo/Join")
		require.NoError(t, err)
		require.NoError(t, st.SendMsg(msg("a")))
		select { // the call has reached the service
		case <-svc.started:
		case <-time.After(ioTimeout):
			t.Fatal("the call did not reach the service")
		}
		svc.kill()
		var out []byte
		err = st.RecvMsg(&out)
		assert.Equal(t, codes.Unavailable, status.Code(err), "%v", err)
	})
	t.Run("not there", func(t *testing.T) {
		t.Setenv("UPSTREAM", closedPort(t))
		p := start(t, "grpc-proxy", nil)
		var out []byte
		err := grpcClient(t, p.addr).Invoke(callCtx(t), "/test.Echo/Unary", msg("x"), &out)
		assert.Equal(t, codes.Unavailable, status.Code(err), "%v", err)
	})
}

// TestGRPCProxyQuietStream: a stream whose service sends nothing for long
// (a watch) is not cut by the proxy: gRPC calls carry their own deadlines.
// The proxy's clock is advanced past muxHTTP's default answer timeout.
func TestGRPCProxyQuietStream(t *testing.T) {
	leakCheck(t)
	clock := newTestClock()
	p, svc := startGRPCProxy(t, clock)
	st, err := grpcClient(t, p.addr).NewStream(callCtx(t), serverStreaming, "/test.Echo/Quiet")
	require.NoError(t, err)
	require.NoError(t, st.SendMsg(msg("go")))
	require.NoError(t, st.CloseSend())
	var out []byte
	require.NoError(t, st.RecvMsg(&out))
	assert.Equal(t, "first", string(out))
	p.sync()
	clock.Advance(10*time.Minute, p.sync)
	close(svc.release)
	require.NoError(t, st.RecvMsg(&out), "after 10 quiet minutes")
	assert.Equal(t, "second", string(out))
	assert.Equal(t, io.EOF, st.RecvMsg(&out))
}
