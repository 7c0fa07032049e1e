package pipeline_test

import (
	"context"
	"io"
	"net"
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPipelinesCountTheirStreams(t *testing.T) {
	w := pipeline.NewWorker(pipeline.WorkerOptions{})
	p := pipeline.New("p", upper)
	a := pipeline.NewStream(p, pipeline.NewContext(w), nil)
	b := pipeline.NewStream(p, pipeline.NewContext(w), nil)
	assert.Equal(t, int64(2), p.Allocated())
	assert.Equal(t, int64(2), p.Active())
	a.Input(&event.SessionEnd{})
	b.Close()
	b.Close()
	assert.Equal(t, int64(2), p.Allocated(), "allocated never goes down")
	assert.Zero(t, p.Active())
}

func TestOutboundsCountOpenConnectionsByAddress(t *testing.T) {
	doneA := pipeline.CountOutbound("192.0.2.1:80")
	doneB := pipeline.CountOutbound("192.0.2.1:80")
	doneC := pipeline.CountOutbound("192.0.2.2:80")
	count := func(addr string) int64 {
		for _, c := range pipeline.Outbounds() {
			if c.Addr == addr {
				return c.Open
			}
		}
		return 0
	}
	assert.Equal(t, int64(2), count("192.0.2.1:80"))
	assert.Equal(t, int64(1), count("192.0.2.2:80"))
	doneA()
	doneA()
	doneC()
	assert.Equal(t, int64(1), count("192.0.2.1:80"), "done counts once")
	assert.Zero(t, count("192.0.2.2:80"))
	doneB()
}

func TestProgramKeepsReplacedModulesWhileTheirStreamsRun(t *testing.T) {
	m1 := pipeline.NewModule("v1")
	m1.Listen("127.0.0.1:0", pipeline.ListenOptions{}, upper)
	pr, err := pipeline.Start(m1, pipeline.StartOptions{Workers: 1})
	require.NoError(t, err)
	defer pr.Close()
	addr := pr.Addr("127.0.0.1:0").String()

	// A connection open on v1: its stream runs until it closes.
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	io.WriteString(c, "a")
	b := make([]byte, 1)
	_, err = io.ReadFull(c, b)
	require.NoError(t, err)

	m2 := pipeline.NewModule("v2")
	m2.Listen("127.0.0.1:0", pipeline.ListenOptions{})
	require.NoError(t, pr.Reload(context.Background(), m2))
	assert.Equal(t, []*pipeline.Module{m1}, pr.Stale())

	// v2 has no streams: replaced, it is forgotten at once.
	m3 := pipeline.NewModule("v3")
	m3.Listen("127.0.0.1:0", pipeline.ListenOptions{})
	require.NoError(t, pr.Reload(context.Background(), m3))
	assert.Equal(t, []*pipeline.Module{m1}, pr.Stale())
}
