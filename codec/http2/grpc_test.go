package http2_test

import (
	"context"
	"encoding/binary"
	"io"
	"testing"
	"time"

	sh2 "github.com/sluice-go/sluice/codec/http2"
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/internal/testnet"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

// grpcFrame is one gRPC message on the wire: uncompressed, its length, it.
func grpcFrame(p string) *event.Data {
	b := make([]byte, 5, 5+len(p))
	binary.BigEndian.PutUint32(b[1:], uint32(len(p)))
	return event.FromBytes(append(b, p...))
}

// watch starts a server-streaming call /test.Echo/Watch with grpc-go's
// client over h2c to addr, its one message sent.
func watch(t *testing.T, addr string) grpc.ClientStream {
	t.Helper()
	cc, err := grpc.NewClient("passthrough:///"+addr, grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithDefaultCallOptions(grpc.ForceCodec(testnet.RawCodec{})))
	require.NoError(t, err)
	t.Cleanup(func() { cc.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	st, err := cc.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, "/test.Echo/Watch")
	require.NoError(t, err)
	in := []byte("go")
	require.NoError(t, st.SendMsg(&in))
	require.NoError(t, st.CloseSend())
	return st
}

// TestGRPCClientPingsOnAStreamingAnswer: grpc-go's client sends a PING
// (its bandwidth estimate) for each DATA frame it receives once the
// previous PING is acknowledged, so a long server-streaming answer that
// sends a message at a time gets a PING per message while the client sends
// nothing else. Those are no flood: the answer's DATA frames between them
// keep MaxControlFrames from ending the connection.
func TestGRPCClientPingsOnAStreamingAnswer(t *testing.T) {
	const n = 60
	addr, _ := serve(t, sh2.Options{MaxControlFrames: 10}, filter.ReplaceMessage(func(s *pipeline.Stream, _ *event.Message, out pipeline.Target) {
		out.Input(&event.MessageStart{Head: event.Fields{"status": 200, "headers": map[string]any{"content-type": "application/grpc"}}})
		i := 0
		var next func()
		next = func() {
			if i == n {
				out.Input(&event.MessageEnd{Tail: map[string]string{"grpc-status": "0"}})
				return
			}
			out.Input(grpcFrame("m"))
			i++
			s.AfterFunc(time.Millisecond, next)
		}
		next()
	}))
	st := watch(t, addr)
	got := 0
	for {
		var out []byte
		err := st.RecvMsg(&out)
		if err == io.EOF {
			break
		}
		require.NoError(t, err, "after %d messages", got)
		got++
	}
	assert.Equal(t, n, got)
}

// TestGRPCAnswerBrokenOffIsUnavailable: a gRPC call whose answer breaks off
// (its stream fails after the head and a message, as when the upstream
// goes away) ends with grpc-status UNAVAILABLE in trailers, not a reset
// that grpc-go reports as INTERNAL; other requests are still reset.
func TestGRPCAnswerBrokenOffIsUnavailable(t *testing.T) {
	addr, _ := serve(t, sh2.Options{}, filter.ReplaceMessage(func(s *pipeline.Stream, _ *event.Message, out pipeline.Target) {
		out.Input(&event.MessageStart{Head: event.Fields{"status": 200, "headers": map[string]any{"content-type": "application/grpc"}}})
		out.Input(grpcFrame("first"))
		s.Post(func() { s.Fail(event.ReadError, io.ErrUnexpectedEOF) })
	}))
	st := watch(t, addr)
	var out []byte
	require.NoError(t, st.RecvMsg(&out))
	assert.Equal(t, "first", string(out))
	err := st.RecvMsg(&out)
	assert.Equal(t, codes.Unavailable, status.Code(err), "%v", err)

	r := dialRaw(t, addr) // not gRPC: reset
	r.get(1, "/")
	assert.Equal(t, "200", r.status(1))
	f := r.rst()
	assert.Equal(t, http2.ErrCodeInternal, f.ErrCode)
}
