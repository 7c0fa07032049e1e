package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPprofServesGoroutineCountsOnLoopbackOnly(t *testing.T) {
	addr, stop, err := servePprof("127.0.0.1:0")
	require.NoError(t, err)
	defer stop()
	res, err := http.Get("http://" + addr.String() + "/debug/pprof/goroutine?debug=1")
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(b), "goroutine profile: total "), "%.80s", b)

	for _, bad := range []string{":0", "0.0.0.0:0", "192.0.2.1:0", "example.com:0", "nonsense"} {
		_, _, err := servePprof(bad)
		assert.ErrorIs(t, err, errPprofAddr, bad)
	}
}

func TestPprofEnvTurnsItOn(t *testing.T) {
	path := writeScript(t, "pipy().listen('127.0.0.1:0').dummy()\n")
	sig := make(chan os.Signal)
	close(sig) // without SLUICE_PPROF's error, sluice would start and stop at once
	t.Setenv(pprofEnv, "0.0.0.0:0")
	var stderr bytes.Buffer
	assert.Equal(t, 1, run([]string{path}, io.Discard, &stderr, sig))
	assert.Contains(t, stderr.String(), pprofEnv)

	t.Setenv(pprofEnv, "127.0.0.1:0")
	stderr.Reset()
	assert.Equal(t, 0, run([]string{path}, io.Discard, &stderr, sig))
	assert.Regexp(t, `msg=pprof addr=127\.0\.0\.1:\d+`, stderr.String())
}
