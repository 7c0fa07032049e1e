package filter_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/require"
)

func TestPrintWritesDataBytes(t *testing.T) {
	var buf bytes.Buffer
	f := filter.PrintTo(&buf)
	require.Equal(t, "print", f.Info().Name)
	h := pipelinetest.Of(t, f)
	big := event.NewData()
	big.PushString(strings.Repeat("z", event.ChunkSize+3)) // two chunks
	h.InputString("a").InputMessage("m", "b").Input(big).End()
	require.Equal(t, "ab"+strings.Repeat("z", event.ChunkSize+3), buf.String())
	require.Equal(t, `D"a" MSm D"b" ME`, pipelinetest.Dump(h.Output()[:4]))
	require.Same(t, big, h.Output()[4], "Data is passed on unchanged")
	require.Equal(t, event.ChunkSize+3, big.Len())
	require.Equal(t, "print", filter.Print().Info().Name)
}

func TestPrintToNilWritesToStdout(t *testing.T) {
	require.Equal(t, "print", filter.PrintTo(nil).Info().Name)
}
