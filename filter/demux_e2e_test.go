package filter_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/stretchr/testify/require"
)

func TestDemuxEndToEndAnswersInRequestOrder(t *testing.T) {
	// Each request has its own upstream connection. The upstream answers a
	// client's first line only after it has answered its second, so the
	// answers are linkAlways ready out of order; no sleeps.
	var mu sync.Mutex
	second := map[int]chan struct{}{}
	gate := func(client int) chan struct{} {
		mu.Lock()
		defer mu.Unlock()
		if second[client] == nil {
			second[client] = make(chan struct{})
		}
		return second[client]
	}
	up := startFlowUpstream(t, func(line string) (bool, func()) {
		var client, j int
		fmt.Sscanf(line, "%d-%d", &client, &j)
		switch j {
		case 0:
			select {
			case <-gate(client):
			case <-time.After(20 * time.Second):
			}
		case 1:
			return true, func() { close(gate(client)) }
		}
		return true, func() {}
	})
	// arrived records the order in which answers reach the proxy.
	var arrived []string
	note := flowFunc(func(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
		return pipeline.TargetFunc(func(evt event.Event) {
			if d, ok := evt.(*event.Data); ok {
				mu.Lock()
				arrived = append(arrived, d.String())
				mu.Unlock()
			}
			next.Input(evt)
		})
	})
	m := pipeline.NewModule("e2e")
	m.Pipeline("req", flowUnlines(), filter.Connect(up.Addr(), filter.ConnectOptions{}), flowLines(), note)
	m.Pipeline("front", flowLines(), filter.Demux(filter.To("req")), flowUnlines())
	flowBuild(t, m)
	addr := flowServe(t, m.Find("front"), 2)

	const clients = 20
	lines := func(i int) []string {
		return []string{fmt.Sprintf("%d-0", i), fmt.Sprintf("%d-1", i), fmt.Sprintf("%d-2", i)}
	}
	flowClients(t, addr, clients, lines, func(i int) []string {
		return []string{fmt.Sprintf("echo:%d-0", i), fmt.Sprintf("echo:%d-1", i), fmt.Sprintf("echo:%d-2", i)}
	})
	require.Equal(t, 3*clients, up.Accepted())

	// The proxy did see answers out of order (second before first).
	outOfOrder := 0
	mu.Lock()
	defer mu.Unlock()
	for i := range clients {
		first := slices.Index(arrived, fmt.Sprintf("echo:%d-0", i))
		second := slices.Index(arrived, fmt.Sprintf("echo:%d-1", i))
		if second < first {
			outOfOrder++
		}
	}
	t.Logf("%d of %d clients had their answers arrive out of order", outOfOrder, clients)
	require.Positive(t, outOfOrder)
}
