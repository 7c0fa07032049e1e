package pipelinetest_test

import (
	"testing"
	"time"

	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/require"
)

// TestReadmeSnippet runs the README's "Testing filter chains" snippet as it
// is printed there: keep the two in step.
func TestReadmeSnippet(t *testing.T) {
	h := pipelinetest.Of(t, http1.DecodeRequest()) // no sockets, no goroutines, no sleeps
	h.InputString("GET / HTTP/1.1\r\n\r\n").End()
	require.Equal(t, `MSGET / HTTP/1.1 {} ME SE`, pipelinetest.Dump(h.Output()))
	h.Advance(2 * time.Second) // manual clock: timers fire deterministically
}
