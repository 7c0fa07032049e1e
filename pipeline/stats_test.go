package pipeline_test

import (
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/stretchr/testify/assert"
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
