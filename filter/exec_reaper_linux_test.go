//go:build linux

package filter_test

import (
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestExecReaperStartsOnFirstExec: EnableExecReaper starts no process; the
// first exec does, before its own process starts.
func TestExecReaperStartsOnFirstExec(t *testing.T) {
	filter.ResetReaper()
	t.Cleanup(filter.ResetReaper)
	require.False(t, filter.ReaperRunning())
	filter.EnableExecReaper()
	assert.False(t, filter.ReaperRunning(), "started before any exec")
	h := pipelinetest.Of(t, filter.Exec("true"))
	h.Input(&event.SessionEnd{})
	se := h.WaitEnd()
	require.Equal(t, event.NoError, se.Err, se.Message)
	assert.True(t, filter.ReaperRunning())
}
