package filter_test

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/internal/testnet"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// flowUpstream is an upstream TCP server on 127.0.0.1 that answers each line
// with "echo:<line>", counting the connections it accepts. answer, when not
// nil, runs before each answer (to delay it) and reports whether to close
// the connection after it, and what to run once the answer is written.
func startFlowUpstream(t *testing.T, answer func(line string) (bool, func())) *testnet.Server {
	return testnet.Serve(t, func(c *net.TCPConn) {
		r := bufio.NewReader(c)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimSuffix(line, "\n")
			closeAfter, written := false, func() {}
			if answer != nil {
				closeAfter, written = answer(line)
			}
			_, err = c.Write([]byte("echo:" + line + "\n"))
			written()
			if err != nil || closeAfter {
				return
			}
		}
	})
}

// flowServe serves pipeline p on 127.0.0.1 with a group of n workers, and
// returns its address.
func flowServe(t *testing.T, p *pipeline.Pipeline, n int) string {
	g := pipeline.NewGroup(n, pipeline.WorkerOptions{})
	t.Cleanup(g.Close) // after the server has closed
	return testnet.ServeOn(t, pipeline.NewServer(p, g), pipeline.ErrServerClosed)
}

// flowClient sends lines to addr all at once, then reads as many lines
// back; it returns them, or an error.
func flowClient(addr string, lines []string) ([]string, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := c.Write([]byte(strings.Join(lines, "\n") + "\n")); err != nil {
		return nil, err
	}
	r := bufio.NewReader(c)
	var got []string
	for range lines {
		line, err := r.ReadString('\n')
		if err != nil {
			return got, fmt.Errorf("after %d lines: %w", len(got), err)
		}
		got = append(got, strings.TrimSuffix(line, "\n"))
	}
	return got, nil
}

// flowClients runs n clients at once; client i sends lines(i) and must get
// want(i) back.
func flowClients(t *testing.T, addr string, n int, lines, want func(i int) []string) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			got, err := flowClient(addr, lines(i))
			if assert.NoError(t, err, "client %d", i) {
				assert.Equal(t, want(i), got, "client %d", i)
			}
		})
	}
	wg.Wait()
}

func TestMuxEndToEndOneUpstreamConnection(t *testing.T) {
	up := startFlowUpstream(t, nil)
	m := pipeline.NewModule("e2e")
	m.Pipeline("up", flowUnlines(), filter.Connect(up.Addr(), filter.ConnectOptions{}), flowLines())
	m.Pipeline("front", flowLines(), filter.Mux(filter.To("up"), nil), flowUnlines())
	flowBuild(t, m)
	addr := flowServe(t, m.Find("front"), 1)

	const clients, perClient = 50, 20
	lines := func(i int) []string {
		var l []string
		for j := range perClient {
			l = append(l, fmt.Sprintf("client-%d-line-%d", i, j))
		}
		return l
	}
	flowClients(t, addr, clients, lines, func(i int) []string {
		var w []string
		for _, l := range lines(i) {
			w = append(w, "echo:"+l)
		}
		return w
	})
	require.Equal(t, 1, up.Accepted(), "every request went through one upstream connection")
}
