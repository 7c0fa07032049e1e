package http1_test

import (
	"testing"
	"time"

	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/internal/testnet"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
)

// TestMuxHTTPPoolStopsWithItsWorker closes the group under a proxy whose
// pool holds an idle upstream connection, then the server: the upstream
// connection is closed, the pool's sweeper timer is stopped with it (it
// used to stay set for IdleTimeout, holding the pool), and nothing is
// left running or open.
func TestMuxHTTPPoolStopsWithItsWorker(t *testing.T) {
	check := pipelinetest.LeakCheck(t)
	up := startUpstream(t, answerPath)
	clock := pipelinetest.NewClock()
	g := pipeline.NewGroup(1, pipeline.WorkerOptions{Clock: clock})
	srv := pipeline.NewServer(pipeline.New("proxy", http1.DecodeRequest(),
		http1.MuxHTTP(up.addr(), http1.MuxHTTPOptions{IdleTimeout: time.Hour}), http1.EncodeResponse(nil)), g)
	t.Run("serve", func(t *testing.T) {
		addr := testnet.ServeOn(t, srv, pipeline.ErrServerClosed) // closed as the subtest ends
		get(t, addr, 1, 1, func(int) string { return "/once" })
		if clock.Pending() == 0 {
			t.Fatal("no timer set: the pool has no sweeper to check")
		}
		g.Close()
	})
	if n := clock.Pending(); n != 0 {
		t.Errorf("%d timers still set after the group and the server closed", n)
	}
	select {
	case <-up.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the pooled upstream connection was not closed")
	}
	up.Close()
	check()
}
