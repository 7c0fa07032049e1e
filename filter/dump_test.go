package filter_test

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/require"
)

func TestDumpWritesOneLinePerEvent(t *testing.T) {
	var buf bytes.Buffer
	f := filter.DumpTo(&buf, "in")
	require.Equal(t, "dump", f.Info().Name)
	h := pipelinetest.Of(t, f)
	in := []event.Event{
		event.FromString("hello"),
		&event.MessageStart{Head: map[string]string{"path": "/"}},
		event.FromString("a\x00\"b\n"),
		&event.MessageEnd{},
		&event.MessageStart{},
		&event.MessageEnd{Tail: "trailer"},
		&event.SessionEnd{Err: event.ReadError, Message: "reset"},
	}
	h.Input(in...)
	require.Equal(t, `[in] Data 5 "hello"
[in] MessageStart map[path:/]
[in] Data 5 "a\x00\"b\n"
[in] MessageEnd
[in] MessageStart
[in] MessageEnd trailer
[in] SessionEnd read error: reset
`, buf.String())
	out := h.Output()
	require.Len(t, out, len(in))
	for i := range in {
		require.Same(t, in[i], out[i], "event %d passed on unchanged", i)
	}
}

func TestDumpShortensLongDataAndOmitsEmptyTag(t *testing.T) {
	var buf bytes.Buffer
	h := pipelinetest.Of(t, filter.DumpTo(&buf, ""))
	long := event.NewData()
	long.Push(bytes.Repeat([]byte("x"), event.ChunkSize))
	long.Push(bytes.Repeat([]byte("y"), 10))
	h.Input(long).End()
	require.Equal(t, "Data 16394 \""+strings.Repeat("x", 256)+"\"...\nSessionEnd\n", buf.String())
	require.Equal(t, event.ChunkSize+10, h.Output()[0].(*event.Data).Len(), "the Data is passed on whole")
}

func TestDumpWithoutWriterUsesStderr(t *testing.T) {
	require.Equal(t, "dump", filter.Dump("x").Info().Name)
	require.Equal(t, "dump", filter.DumpTo(nil, "x").Info().Name)
}

func TestPipyDumpCallsTagFunctionAtEachEvent(t *testing.T) {
	var buf bytes.Buffer
	n := 0
	h := pipelinetest.Of(t, filter.DumpFunc(&buf, func(*pipeline.Stream) string {
		n++
		if n == 2 {
			return ""
		}
		return "t" + strconv.Itoa(n)
	}))
	h.InputString("a").InputString("b").InputString("c")
	require.Equal(t, "[t1] Data 1 \"a\"\nData 1 \"b\"\n[t3] Data 1 \"c\"\n", buf.String())
}
