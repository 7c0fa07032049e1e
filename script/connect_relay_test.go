package script_test

import (
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/sluice-go/sluice/script"
)

// TestScriptConnectAloneRelays: a listen pipeline of connect alone, as a
// script writes it, is carried in the kernel (the bytes never become
// events); with a second filter it is not.
func TestScriptConnectAloneRelays(t *testing.T) {
	up := tcpServer(t, echo)
	for _, tc := range []struct {
		src     string
		relayed int64
	}{
		{"pipy().listen(0).connect('%s')", 1},
		{"pipy().listen(0).onData(() => {}).connect('%s')", 0},
	} {
		t.Run(tc.src, func(t *testing.T) {
			m := load(t, fmt.Sprintf(tc.src, up), script.Options{ListenHost: "127.0.0.1"})
			pr, err := pipeline.Start(m, pipeline.StartOptions{Workers: 1, WorkerOptions: pipeline.WorkerOptions{Logger: pipelinetest.TestLogger(t)}})
			require.NoError(t, err)
			defer pr.Close()
			a0, _ := pipeline.RelayCounts()
			c, err := net.Dial("tcp", pr.Addrs()[0].String())
			require.NoError(t, err)
			defer c.Close()
			c.SetDeadline(time.Now().Add(20 * time.Second))
			_, err = io.WriteString(c, "ping")
			require.NoError(t, err)
			require.NoError(t, c.(*net.TCPConn).CloseWrite())
			b, err := io.ReadAll(c)
			require.NoError(t, err)
			require.Equal(t, "ping", string(b))
			a, _ := pipeline.RelayCounts()
			require.Equal(t, tc.relayed, a-a0)
		})
	}
}
