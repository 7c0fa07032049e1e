package pipelinetest_test

import (
	"context"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWaitReturnsWhileTheWorkerIsNeverIdle: a task that always queues
// another (as a worker reading a connection that never stops sending does)
// keeps the worker from ever being idle; Wait must still return once its
// condition holds, after the batch that made it true.
func TestWaitReturnsWhileTheWorkerIsNeverIdle(t *testing.T) {
	h := pipelinetest.Of(t)
	const most = 10000 // bounds the loop if Wait runs past its condition
	emitted := 0
	var emit func()
	emit = func() {
		if emitted == most || h.Stream.Ended() {
			return
		}
		emitted++
		h.Stream.Input(event.FromString("x"))
		h.Worker.Post(emit)
	}
	h.Worker.Post(emit)
	h.Wait(func() bool { return len(h.Output()) >= 3 })
	assert.Equal(t, 3, emitted, "Wait should return after the batch that met its condition, not once the worker is idle")
}

// TestWaitPollsWhileTheWorkerIsIdle: a condition that a goroutine makes true
// without posting anything to the worker (a fake upstream noting what it
// received) must still be seen: Wait polls it until its limit, as
// require.Eventually does, instead of checking it only after worker tasks.
func TestWaitPollsWhileTheWorkerIsIdle(t *testing.T) {
	h := pipelinetest.New(t, pipeline.New("idle"), pipelinetest.WithWaitLimit(5*time.Second))
	var seen atomic.Bool
	release := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-release
		seen.Store(true) // no Post: the worker stays idle
	}()
	close(release)
	h.Wait(seen.Load)
	<-done
}

// TestAdvanceRunsWhatArrivedFirst: with a real upstream socket, an answer the
// upstream has already written must reach the stream before Advance moves the
// clock past the answer timeout; otherwise the timeout fires first and a
// test of "the answer arrived in time" sees a 504-like Timeout instead.
func TestAdvanceRunsWhatArrivedFirst(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	got, reply, written := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		buf := make([]byte, 4)
		if _, err := io.ReadFull(c, buf); err != nil {
			return
		}
		close(got)
		<-reply
		c.Write([]byte("pong"))
		close(written)
		io.Copy(io.Discard, c) // until the stream closes its end
	}()
	h := pipelinetest.Of(t, filter.Connect(ln.Addr().String(), filter.ConnectOptions{AnswerTimeout: time.Second}))
	h.InputString("ping")
	runUntil(t, h, got) // the dial and the write of "ping"
	close(reply)
	<-written
	h.Advance(2 * time.Second) // past the answer timeout
	assert.Equal(t, "pong", h.OutputString(), "the answer written before Advance comes out before the timeout")
	assert.Nil(t, h.SessionEnd(), "the answer came in time: no timeout")
}

// runUntil runs the harness's worker until ch is closed, independently of
// Wait (whose polling another test checks).
func runUntil(t *testing.T, h *pipelinetest.Harness, ch <-chan struct{}) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		select {
		case <-ch:
			return
		case <-ctx.Done():
			t.Fatal("runUntil: timed out")
		default:
		}
		tick, stop := context.WithTimeout(ctx, time.Millisecond)
		h.Worker.WaitPending(tick)
		stop()
		h.Run()
	}
}
