package filter_test

import (
	"strings"
	"testing"
	"time"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/require"
)

func TestTapMessagesPerSecond(t *testing.T) {
	f := filter.Tap(filter.TapOptions{Quota: filter.Quota{PerSecond: 2}})
	require.Equal(t, "tap", f.Info().Name)
	h := pipelinetest.Of(t, f)
	for _, body := range []string{"a", "b", "c", "d"} {
		h.InputMessage(nil, body)
	}
	h.End()
	require.Equal(t, `MS D"a" ME MS D"b" ME`, pipelinetest.Dump(h.Take()), "two messages pass at once")
	require.False(t, h.Ended(), "the stream is held while events wait")

	h.Advance(499 * time.Millisecond)
	require.Empty(t, h.Take())
	h.Advance(time.Millisecond)
	require.Equal(t, `MS D"c" ME`, pipelinetest.Dump(h.Take()), "the third after 500 ms")
	h.Advance(500 * time.Millisecond)
	require.Equal(t, `MS D"d" ME SE`, pipelinetest.Dump(h.Take()), "the fourth, then the end, in order")
	require.True(t, h.Ended())
}

func TestTapRefillsUpToOneSecond(t *testing.T) {
	h := pipelinetest.Of(t, filter.Tap(filter.TapOptions{Quota: filter.Quota{PerSecond: 2}}))
	h.Advance(10 * time.Second) // an idle stream saves no more than one second's worth
	for range 3 {
		h.InputMessage(nil, "")
	}
	require.Len(t, h.Messages(), 2)
	h.Advance(500 * time.Millisecond)
	require.Len(t, h.Messages(), 3)
}

func TestTapBytesPerSecond(t *testing.T) {
	q := filter.Quota{PerSecond: 1024, Bytes: true}
	h := pipelinetest.Of(t, filter.Tap(filter.TapOptions{Quota: q}))
	h.InputString(strings.Repeat("x", 2500)).InputMessage("m", "yy").End()
	out := h.Take()
	require.Equal(t, 1024, len(pipelinetest.DataString(out)), "one second's worth of bytes passes at once")

	h.Advance(500 * time.Millisecond)
	require.Empty(t, h.Take(), "a split Data waits for a whole second's worth, not a trickle")
	h.Advance(500 * time.Millisecond)
	require.Equal(t, 1024, len(pipelinetest.DataString(h.Take())))
	h.Advance(time.Second)
	out = h.Take()
	require.Equal(t, 2500-2048, len(pipelinetest.DataString(out[:1])))
	require.Equal(t, `MSm D"yy" ME SE`, pipelinetest.Dump(out[1:]), "MessageStart costs nothing in bytes mode")
	require.Equal(t, strings.Repeat("x", 2500)+"yy", h.OutputString())
}

func TestTapMessageModeDataIsFree(t *testing.T) {
	h := pipelinetest.Of(t, filter.Tap(filter.TapOptions{Quota: filter.Quota{PerSecond: 1}}))
	h.InputString(strings.Repeat("z", 1<<20)).InputMessage(nil, "a").InputString("after")
	require.Equal(t, `D"`+strings.Repeat("z", 61)+`..." MS D"a" ME D"after"`, pipelinetest.Dump(h.Take()))
	h.InputMessage(nil, "b").InputString("waits")
	require.Empty(t, h.Take(), "Data behind a waiting message waits too")
	h.Advance(time.Second)
	require.Equal(t, `MS D"b" ME D"waits"`, pipelinetest.Dump(h.Take()))
}

func TestTapZeroQuotaPassesEverything(t *testing.T) {
	h := pipelinetest.Of(t, filter.Tap(filter.TapOptions{}))
	for range 100 {
		h.InputMessage(nil, "x")
	}
	require.Len(t, h.Messages(), 100)
}

// TestTapSharedAccount runs two streams of one pipeline on the harness's
// worker: with the same account they draw on one budget.
func TestTapSharedAccount(t *testing.T) {
	for _, account := range []string{"shared", ""} {
		t.Run("account="+account, func(t *testing.T) {
			h := pipelinetest.Of(t, filter.Tap(filter.TapOptions{Quota: filter.Quota{PerSecond: 2}, Account: account}))
			var out2 []event.Event
			s2 := pipeline.NewStream(h.Stream.Pipeline(), pipeline.NewContext(h.Worker),
				pipeline.TargetFunc(func(e event.Event) { out2 = append(out2, e) }))
			t.Cleanup(s2.Close)

			h.InputMessage(nil, "a1").InputMessage(nil, "a2")
			require.Len(t, h.Messages(), 2)
			for _, e := range pipelinetest.Message(nil, "b1") {
				s2.Input(e)
			}
			h.Run()
			if account == "" {
				require.Len(t, pipelinetest.Messages(out2), 1, "own budget")
				return
			}
			require.Empty(t, out2, "the first stream used the shared budget")
			h.Advance(500 * time.Millisecond)
			require.Equal(t, `MS D"b1" ME`, pipelinetest.Dump(out2))
		})
	}
}

func TestTapCloseStopsTimer(t *testing.T) {
	h := pipelinetest.Of(t, filter.Tap(filter.TapOptions{Quota: filter.Quota{PerSecond: 1}}))
	h.InputMessage(nil, "a").InputMessage(nil, "b")
	require.Equal(t, 1, h.Clock.Pending())
	h.Stream.Close()
	require.Zero(t, h.Clock.Pending())
	h.Advance(time.Second)
	require.Len(t, h.Messages(), 1)
}

// tapUser keys a test's per-connection account in the context.
type tapUser struct{}

func TestPipyTapEvaluatesQuotaAndAccountPerStream(t *testing.T) {
	calls := 0
	f := filter.Tap(filter.TapOptions{
		QuotaFunc: func(s *pipeline.Stream) filter.Quota {
			calls++
			return filter.Quota{PerSecond: 1}
		},
		AccountFunc: func(s *pipeline.Stream) string { return s.Context().Value(tapUser{}).(string) },
	})
	h := pipelinetest.Of(t, f)
	h.Context.SetValue(tapUser{}, "ann")
	start := func(user string) *[]event.Event {
		var out []event.Event
		ctx := pipeline.NewContext(h.Worker)
		ctx.SetValue(tapUser{}, user)
		s := pipeline.NewStream(h.Stream.Pipeline(), ctx, pipeline.TargetFunc(func(e event.Event) { out = append(out, e) }))
		t.Cleanup(s.Close)
		for _, e := range pipelinetest.Message(nil, user) {
			s.Input(e)
		}
		return &out
	}
	h.InputMessage(nil, "a1").InputMessage(nil, "a2")
	require.Equal(t, 1, calls, "the quota is evaluated once per stream, at its first event")
	require.Len(t, h.Messages(), 1, "one message a second")
	ann2, bob := start("ann"), start("bob")
	h.Run()
	require.Empty(t, *ann2, "a second stream of account ann shares its budget")
	require.Len(t, pipelinetest.Messages(*bob), 1, "account bob has its own")
	require.Equal(t, 3, calls)
	h.Advance(time.Second)
	require.Len(t, h.Messages(), 2)
	require.Empty(t, *ann2, "first come, first served")
	h.Advance(time.Second)
	require.Len(t, pipelinetest.Messages(*ann2), 1)
}

func TestPipyTapQuotaFunctionZeroPassesEverything(t *testing.T) {
	h := pipelinetest.Of(t, filter.Tap(filter.TapOptions{QuotaFunc: func(*pipeline.Stream) filter.Quota { return filter.Quota{} }}))
	for range 10 {
		h.InputMessage(nil, "x")
	}
	require.Len(t, h.Messages(), 10)
}

func TestQuotaString(t *testing.T) {
	require.Equal(t, "2/s", filter.Quota{PerSecond: 2}.String())
	require.Equal(t, "1024B/s", filter.Quota{PerSecond: 1024, Bytes: true}.String())
	require.Equal(t, "unlimited", filter.Quota{}.String())
}
