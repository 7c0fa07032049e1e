package script_test

import (
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/sluice-go/sluice/script"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMismatch makes a worker's run of the script configure something else
// than the first run did: its callbacks then fail (and only them).
func TestMismatch(t *testing.T) {
	t.Setenv("SLUICE_SCRIPT_TEST", "1")
	m := load(t, `
var p = pipy().pipeline('p');
if (os.env.SLUICE_SCRIPT_TEST === '1') p.onData(() => {});
p.replaceData(d => d);
`)
	t.Setenv("SLUICE_SCRIPT_TEST", "2")
	h := pipelinetest.New(t, find(t, m, "p"))
	h.InputString("x")
	se := h.SessionEnd()
	require.NotNil(t, se)
	assert.Equal(t, event.RuntimeError, se.Err)
	assert.ErrorIs(t, se.Cause, script.ErrMismatch)
	assert.Contains(t, se.Message, "configuration calls")
}
