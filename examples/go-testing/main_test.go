package main

import (
	"bufio"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// responses parses the HTTP answers in out, as a client would.
func responses(t *testing.T, out string) []string {
	t.Helper()
	var got []string
	r := bufio.NewReader(strings.NewReader(out))
	for {
		if _, err := r.Peek(1); err == io.EOF {
			return got
		}
		res, err := http.ReadResponse(r, nil)
		require.NoError(t, err, "output: %q", out)
		body, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		got = append(got, res.Status+" "+string(body))
	}
}

// Every way to split a request between reads gives the same answer: the
// harness feeds each split (two pieces at every offset, whole, one byte at
// a time), and Wait runs the worker until the handler's goroutine has
// posted its answer.
func TestGreeterEverySplit(t *testing.T) {
	in := []byte("GET /hello?name=ada HTTP/1.1\r\nHost: x\r\n\r\n")
	for _, pieces := range pipelinetest.Splits(in) {
		h := pipelinetest.New(t, Greeter())
		for _, p := range pieces {
			h.InputBytes(p)
		}
		h.Wait(func() bool { return strings.HasSuffix(h.OutputString(), "hello, ada") })
		assert.Equal(t, []string{"200 OK hello, ada"}, responses(t, h.OutputString()), "pieces %q", pieces)
	}
}

// Pipelined requests get their answers in order, and the stream ends once
// they are out.
func TestGreeterPipelined(t *testing.T) {
	h := pipelinetest.New(t, Greeter())
	h.InputString("GET /hello?name=a HTTP/1.1\r\n\r\nGET /nope HTTP/1.1\r\n\r\nGET /hello HTTP/1.1\r\n\r\n")
	h.End()
	end := h.WaitEnd()
	assert.Equal(t, event.NoError, end.Err)
	assert.Equal(t, []string{"200 OK hello, a", "404 Not Found ", "200 OK hello, world"}, responses(t, h.OutputString()))
}

// A client that sends half a head and stops gets a 408 once HeadTimeout has
// passed on the harness's manual clock, and not a moment before.
func TestGreeterSlowHead(t *testing.T) {
	h := pipelinetest.New(t, Greeter())
	h.InputString("GET /hello HTTP/1.1\r\nHo")
	h.Advance(HeadTimeout - time.Millisecond)
	assert.Empty(t, h.OutputString(), "still in time")
	h.Advance(time.Millisecond)
	require.NotEmpty(t, h.OutputString())
	got := responses(t, h.OutputString())
	require.Len(t, got, 1)
	assert.True(t, strings.HasPrefix(got[0], "408 "), "got %q", got[0])
	assert.NotNil(t, h.WaitEnd(), "the connection ends after the 408")
}
