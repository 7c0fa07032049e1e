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
// first exec does, before its own process starts. (No other test of the
// package enables or starts the reaper, which lives as long as the process.)
func TestExecReaperStartsOnFirstExec(t *testing.T) {
	require.False(t, filter.ReaperRunning(), "another test started the reaper")
	filter.EnableExecReaper()
	assert.False(t, filter.ReaperRunning(), "started before any exec")
	h := pipelinetest.Of(t, filter.Exec("true"))
	h.Input(&event.SessionEnd{})
	se := h.WaitEnd()
	require.Equal(t, event.NoError, se.Err, se.Message)
	assert.True(t, filter.ReaperRunning())
}
