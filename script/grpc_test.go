package script_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/sluice-go/sluice/internal/testnet"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/script"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// gRPC clients (grpc-go) against answers a script builds: the server side
// of demuxHTTP as gRPC needs it (trailers from a MessageEnd's tail, errors
// as Trailers-Only, bodies streamed both ways). The messages are raw bytes
// (testnet.RawCodec), so no protobuf code is generated.

// grpcScript serves src's listen pipeline on 127.0.0.1 and returns a gRPC
// client of it: h2c, or TLS with creds if given.
func grpcScript(t *testing.T, src string, creds ...credentials.TransportCredentials) *grpc.ClientConn {
	t.Helper()
	creds = append(creds, insecure.NewCredentials())
	m := load(t, src, script.Options{ListenHost: "127.0.0.1"})
	pr, err := pipeline.Start(m, pipeline.StartOptions{Workers: 1, WorkerOptions: pipeline.WorkerOptions{Logger: (&logBuffer{}).logger()}})
	require.NoError(t, err)
	t.Cleanup(func() { pr.Close() })
	cc, err := grpc.NewClient("passthrough:///"+pr.Addrs()[0].String(),
		grpc.WithTransportCredentials(creds[0]),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(testnet.RawCodec{})))
	require.NoError(t, err)
	t.Cleanup(func() { cc.Close() })
	return cc
}

// grpcCalls is grpcScript for a script whose h2c listener sends each call to
// its pipeline 'call', which calls (JS) defines.
func grpcCalls(t *testing.T, calls string) *grpc.ClientConn {
	t.Helper()
	return grpcScript(t, "pipy()\n.listen(0)\n.demuxHTTP('call')\n"+calls)
}

// callCtx bounds a call, so that a broken answer fails the test instead of
// hanging it.
func callCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestGRPCUnaryAnsweredByScript: a script echoes a unary call's message,
// the request's metadata back as header metadata, and grpc-status and a
// trailer of its own from the answer's tail.
func TestGRPCUnaryAnsweredByScript(t *testing.T) {
	cc := grpcCalls(t, `
.pipeline('call')
  .replaceMessage(msg => new Message(
    {status: 200, headers: {'content-type': 'application/grpc', 'x-echo': msg.head.headers['x-id']}},
    msg.body,
    {'grpc-status': '0', 'x-path': msg.head.path}))
`)
	ctx := metadata.AppendToOutgoingContext(callCtx(t), "x-id", "42")
	in, out := []byte("hello"), []byte(nil)
	var header, trailer metadata.MD
	require.NoError(t, cc.Invoke(ctx, "/test.Echo/Unary", &in, &out, grpc.Header(&header), grpc.Trailer(&trailer)))
	assert.Equal(t, "hello", string(out))
	assert.Equal(t, []string{"42"}, header.Get("x-echo"))
	assert.Equal(t, []string{"/test.Echo/Unary"}, trailer.Get("x-path"))
}

// TestGRPCErrorAnsweredByScript: an error a script answers reaches the
// client with its code and message, sent in the answer's only HEADERS
// (Trailers-Only) or as trailers after an empty body.
func TestGRPCErrorAnsweredByScript(t *testing.T) {
	cc := grpcCalls(t, `
.pipeline('call')
  .replaceMessage(msg => msg.head.path === '/test.Echo/Only'
    ? new Message({status: 200, headers: {'content-type': 'application/grpc', 'grpc-status': '7', 'grpc-message': 'denied'}})
    : new Message({status: 200, headers: {'content-type': 'application/grpc'}}, '', {'grpc-status': '9', 'grpc-message': 'not now'}))
`)
	for _, c := range []struct {
		method string
		code   codes.Code
		msg    string
	}{{"/test.Echo/Only", codes.PermissionDenied, "denied"}, {"/test.Echo/Trailers", codes.FailedPrecondition, "not now"}} {
		in, out := []byte("x"), []byte(nil)
		err := cc.Invoke(callCtx(t), c.method, &in, &out)
		s := status.Convert(err)
		assert.Equal(t, c.code, s.Code(), "%s: %v", c.method, err)
		assert.Equal(t, c.msg, s.Message(), c.method)
	}
}

// TestGRPCBidiStreamedByScript: a script that passes the request's body
// through as the answer's, head first and grpc-status at the end, answers
// each message of a bidirectional stream before the next is sent: bodies
// flow both ways as they come.
func TestGRPCBidiStreamedByScript(t *testing.T) {
	cc := grpcCalls(t, `
.pipeline('call')
  .replaceMessageStart(() => new MessageStart({status: 200, headers: {'content-type': 'application/grpc'}}))
  .replaceMessageEnd(evt => new MessageEnd({'grpc-status': '0', 'x-had-tail': String(evt.tail !== null)}))
`)
	st, err := cc.NewStream(callCtx(t), &grpc.StreamDesc{ServerStreams: true, ClientStreams: true}, "/test.Echo/Bidi")
	require.NoError(t, err)
	for _, m := range []string{"one", "two", "three"} {
		in := []byte(m)
		require.NoError(t, st.SendMsg(&in))
		var out []byte
		require.NoError(t, st.RecvMsg(&out), m)
		assert.Equal(t, m, string(out))
	}
	require.NoError(t, st.CloseSend())
	var out []byte
	assert.ErrorIs(t, st.RecvMsg(&out), io.EOF)
	assert.Equal(t, []string{"false"}, st.Trailer().Get("x-had-tail"), "the request had no trailers")
}

// TestGRPCDeadlineWithoutAnswer: a call whose answer never comes ends with
// DEADLINE_EXCEEDED at its deadline; the proxy goes on serving.
func TestGRPCDeadlineWithoutAnswer(t *testing.T) {
	cc := grpcCalls(t, `
.pipeline('call')
  .replaceMessage(msg => msg.head.path === '/test.Echo/Hang'
    ? null
    : new Message({status: 200, headers: {'content-type': 'application/grpc'}}, msg.body, {'grpc-status': '0'}))
`)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	in, out := []byte("x"), []byte(nil)
	err := cc.Invoke(ctx, "/test.Echo/Hang", &in, &out)
	assert.Equal(t, codes.DeadlineExceeded, status.Code(err), "%v", err)
	assert.True(t, errors.Is(ctx.Err(), context.DeadlineExceeded))
	require.NoError(t, cc.Invoke(callCtx(t), "/test.Echo/Unary", &in, &out), "the connection goes on")
	assert.Equal(t, "x", string(out))
}

// echoAnswer is a script answering each call with its own message and
// grpc-status 0.
const echoAnswer = `
.pipeline('call')
  .replaceMessage(msg => new Message(
    {status: 200, headers: {'content-type': 'application/grpc'}}, msg.body, {'grpc-status': '0'}))
`

// TestGRPCOverTLS: a gRPC client over TLS, h2 chosen by ALPN (grpc-go
// insists on it), to a listener whose tls.alpn offers h2.
func TestGRPCOverTLS(t *testing.T) {
	cert := testnet.NewCert(t, "localhost")
	pem := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	cc := grpcScript(t, `
pipy()
.listen(0, {tls: {cert: `+pem(cert.CertPEM)+`, key: `+pem(cert.KeyPEM)+`, alpn: ['h2', 'http/1.1']}})
  .demuxHTTP('call')
`+echoAnswer, credentials.NewTLS(&tls.Config{RootCAs: cert.Pool, ServerName: "localhost"}))
	var out []byte
	require.NoError(t, cc.Invoke(callCtx(t), "/test.Echo/Unary", msg("over tls"), &out))
	assert.Equal(t, "over tls", string(out))
}

// TestGRPCLargeMessages: messages larger than the HTTP/2 windows (64 KiB)
// go both ways whole, both sides' flow control honoured.
func TestGRPCLargeMessages(t *testing.T) {
	cc := grpcCalls(t, echoAnswer)
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	var out []byte
	require.NoError(t, cc.Invoke(callCtx(t), "/test.Echo/Unary", &big, &out))
	assert.True(t, bytes.Equal(big, out), "got %d bytes", len(out))
}

func msg(s string) *[]byte { b := []byte(s); return &b }

// TestGRPCCancelledStreamsKeepTheConnection: a client cancelling many
// streams it was being answered on (watches it no longer wants) keeps its
// connection: a stream open across them goes on. The rapid-reset guard
// counts only streams reset before their answer began.
func TestGRPCCancelledStreamsKeepTheConnection(t *testing.T) {
	cc := grpcCalls(t, `
.pipeline('call')
  .replaceMessageStart(() => new MessageStart({status: 200, headers: {'content-type': 'application/grpc'}}))
  .replaceMessageEnd(() => new MessageEnd({'grpc-status': '0'}))
`)
	bidi := &grpc.StreamDesc{ServerStreams: true, ClientStreams: true}
	long, err := cc.NewStream(callCtx(t), bidi, "/test.Echo/Long")
	require.NoError(t, err)
	var out []byte
	require.NoError(t, long.SendMsg(msg("a")))
	require.NoError(t, long.RecvMsg(&out))
	for i := range 300 { // more than the default budget of 200
		ctx, cancel := context.WithCancel(callCtx(t))
		st, err := cc.NewStream(ctx, bidi, "/test.Echo/Watch")
		require.NoError(t, err)
		require.NoError(t, st.SendMsg(msg("w")))
		require.NoError(t, st.RecvMsg(&out), "watch %d", i)
		cancel()
	}
	require.NoError(t, long.SendMsg(msg("b")))
	require.NoError(t, long.RecvMsg(&out), "the long stream goes on")
	assert.Equal(t, "b", string(out))
}
