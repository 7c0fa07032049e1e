package filter_test

import (
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/require"
)

func TestDummySwallowsEverything(t *testing.T) {
	f := filter.Dummy()
	require.Equal(t, "dummy", f.Info().Name)
	seen := 0
	h := pipelinetest.Of(t, f, filter.OnData(func(*pipeline.Stream, *event.Data) { seen++ }))
	h.InputString("a").InputMessage("m", "b")
	require.Empty(t, h.Output())
	require.False(t, h.Ended())
	h.Input(&event.SessionEnd{Err: event.ReadError})
	require.True(t, h.Ended(), "the stream ends by itself once a SessionEnd went in")
	require.Equal(t, `SE`, pipelinetest.Dump(h.Output()))
	require.Zero(t, seen)
}
