package filter_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func req(path string) []event.Event {
	return pipelinetest.Message(event.Fields{"method": "GET", "path": path}, "")
}

func status(t *testing.T, m *event.Message) int64 {
	t.Helper()
	n, ok, err := event.IntField(m.Head, "status", 0, 999)
	require.NoError(t, err)
	require.True(t, ok, "answer has a status")
	return n
}

func TestAsyncKeepsRequestOrder(t *testing.T) {
	check := pipelinetest.LeakCheck(t)
	defer check()
	gates := map[string]chan struct{}{"/1": make(chan struct{}), "/2": make(chan struct{}), "/3": make(chan struct{})}
	var returned atomic.Int32
	var started sync.WaitGroup
	started.Add(3)
	h := pipelinetest.Of(t, filter.Async(func(ctx context.Context, r *event.Message) (*event.Message, error) {
		path, _, _ := event.StringField(r.Head, "path")
		started.Done()
		<-gates[path]
		returned.Add(1)
		return &event.Message{Head: event.Fields{"status": 200}, Body: event.FromString(path)}, nil
	}))
	h.Input(append(append(req("/1"), req("/2")...), req("/3")...)...)
	started.Wait() // all three run at once
	close(gates["/3"])
	close(gates["/2"])
	h.Wait(func() bool { return returned.Load() == 2 })
	assert.Empty(t, h.Output(), "/2 and /3 wait for /1")
	close(gates["/1"])
	h.Wait(func() bool { return len(h.Messages()) == 3 })
	var got []string
	for _, m := range h.Messages() {
		got = append(got, m.Body.String())
	}
	assert.Equal(t, []string{"/1", "/2", "/3"}, got)
	h.End()
	h.WaitEnd()
}

func TestAsyncClientLeavingCancels(t *testing.T) {
	check := pipelinetest.LeakCheck(t)
	defer check()
	running := make(chan struct{})
	cancelled := make(chan error, 1)
	h := pipelinetest.Of(t, filter.Async(func(ctx context.Context, r *event.Message) (*event.Message, error) {
		close(running)
		<-ctx.Done()
		cancelled <- ctx.Err()
		return nil, ctx.Err()
	}))
	h.Input(req("/slow")...)
	<-running
	h.Input(event.End(event.ReadError, errors.New("client reset")))
	assert.ErrorIs(t, <-cancelled, context.Canceled)
	h.Run()
	assert.Empty(t, h.Messages(), "no answer for a client that left")
	assert.Equal(t, event.ReadError, h.SessionEnd().Err)
}

func TestAsyncStreamCloseCancels(t *testing.T) {
	check := pipelinetest.LeakCheck(t)
	defer check()
	running := make(chan struct{})
	cancelled := make(chan struct{})
	h := pipelinetest.Of(t, filter.Async(func(ctx context.Context, r *event.Message) (*event.Message, error) {
		close(running)
		<-ctx.Done()
		close(cancelled)
		return nil, nil
	}))
	h.Input(req("/slow")...)
	<-running
	h.Stream.Close()
	<-cancelled
	h.Run()
}

func TestAsyncEndWaitsForAnswers(t *testing.T) {
	gate := make(chan struct{})
	h := pipelinetest.Of(t, filter.Async(func(ctx context.Context, r *event.Message) (*event.Message, error) {
		<-gate
		return &event.Message{Head: event.Fields{"status": 204}}, nil
	}))
	h.Input(req("/a")...).End()
	assert.Nil(t, h.SessionEnd(), "held while the answer is pending")
	close(gate)
	end := h.WaitEnd()
	assert.Equal(t, event.NoError, end.Err)
	require.Len(t, h.Messages(), 1)
	assert.Equal(t, int64(204), status(t, h.Messages()[0]))
}

func TestAsyncErrorsAndPanics(t *testing.T) {
	h := pipelinetest.Of(t, filter.Async(func(ctx context.Context, r *event.Message) (*event.Message, error) {
		path, _, _ := event.StringField(r.Head, "path")
		switch path {
		case "/fail":
			return nil, errors.New("database down")
		case "/missing":
			return nil, &filter.StatusError{Status: 404, Err: errors.New("no such user")}
		case "/panic":
			panic("handler bug")
		}
		return &event.Message{Head: event.Fields{"status": 200}, Body: event.FromString("ok")}, nil
	}))
	for _, p := range []string{"/fail", "/missing", "/panic", "/ok"} {
		h.Input(req(p)...)
	}
	h.Wait(func() bool { return len(h.Messages()) == 4 })
	ms := h.Messages()
	assert.Equal(t, int64(500), status(t, ms[0]))
	assert.NotContains(t, ms[0].Body.String(), "database", "the error's text stays in the log")
	assert.Equal(t, int64(404), status(t, ms[1]))
	assert.Equal(t, "Not Found", ms[1].Body.String())
	assert.Equal(t, int64(500), status(t, ms[2]), "a panic is answered with a 500")
	assert.Equal(t, "ok", ms[3].Body.String())
	assert.False(t, h.Ended(), "the stream goes on")
}

func TestAsyncConcurrencyBound(t *testing.T) {
	check := pipelinetest.LeakCheck(t)
	defer check()
	var running, most atomic.Int32
	gate := make(chan struct{})
	entered := make(chan struct{}, 8)
	h := pipelinetest.Of(t, filter.Async(func(ctx context.Context, r *event.Message) (*event.Message, error) {
		n := running.Add(1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		entered <- struct{}{}
		<-gate
		running.Add(-1)
		return &event.Message{Head: event.Fields{"status": 200}}, nil
	}, filter.AsyncOptions{Concurrency: 2}))
	for i := range 6 {
		h.Input(req(fmt.Sprint("/", i))...)
	}
	<-entered
	<-entered
	h.Run()
	assert.Equal(t, int32(2), running.Load(), "two run, four wait")
	close(gate)
	h.Wait(func() bool { return len(h.Messages()) == 6 })
	assert.Equal(t, int32(2), most.Load())
	h.End()
	h.WaitEnd()
}

// Over a real connection: a client that resets its connection while its
// request is being handled cancels the handler's ctx.
func TestAsyncClientResetCancelsOverASocket(t *testing.T) {
	check := pipelinetest.LeakCheck(t)
	defer check()
	running := make(chan struct{})
	cancelled := make(chan struct{})
	p := pipeline.New("svc", http1.DecodeRequest(), filter.Async(func(ctx context.Context, r *event.Message) (*event.Message, error) {
		close(running)
		<-ctx.Done()
		close(cancelled)
		return nil, ctx.Err()
	}), http1.EncodeResponse(nil))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- pipeline.Serve(ctx, ln, p) }()
	defer func() { stop(); <-done }()
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	_, err = io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	require.NoError(t, err)
	<-running
	c.(*net.TCPConn).SetLinger(0) // close with a reset
	c.Close()
	select {
	case <-cancelled:
	case <-time.After(10 * time.Second):
		t.Fatal("the handler's ctx was not cancelled when its client left")
	}
}
