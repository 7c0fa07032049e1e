package script_test

import (
	goruntime "runtime"
	"testing"
	"time"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCacheTTLFollowsWorkerClock checks that algo.Cache expires entries by
// the worker's clock, so a manual clock drives it.
func TestCacheTTLFollowsWorkerClock(t *testing.T) {
	m := load(t, `
var cache = new algo.Cache(null, null, { ttl: '10s' })
pipy()
.pipeline('p')
  .replaceMessage(msg => {
    var op = msg.body.toString()
    if (op === 'set') cache.set('k', 'v')
    return new Message(String(cache.get('k')))
  })
`)
	h := pipelinetest.New(t, find(t, m, "p"))
	get := func() string {
		h.InputMessage(nil, "get")
		msgs := h.Messages()
		h.Take()
		return msgs[len(msgs)-1].Body.String()
	}
	h.InputMessage(nil, "set")
	h.Take()
	h.Advance(9 * time.Second)
	assert.Equal(t, "v", get())
	h.Advance(2 * time.Second)
	assert.Equal(t, "undefined", get())
}

// TestReplacedModuleIsCollected checks that a worker does not keep the
// runtime of a module it ran once the module is dropped (what a reload
// does), so reloading many times does not grow the process.
func TestReplacedModuleIsCollected(t *testing.T) {
	w := pipeline.NewWorker(pipeline.WorkerOptions{Logger: pipelinetest.TestLogger(t)})
	collected := make(chan struct{})
	func() {
		m := load(t, `pipy().pipeline('p').replaceMessage(msg => new Message('ran'))`)
		var out []event.Event
		w.Post(func() {
			st := pipeline.NewStream(find(t, m, "p"), pipeline.NewContext(w), pipeline.TargetFunc(func(e event.Event) { out = append(out, e) }))
			for _, e := range []event.Event{&event.MessageStart{}, &event.MessageEnd{}, &event.SessionEnd{}} {
				st.Input(e)
			}
		})
		w.RunPending()
		msgs := pipelinetest.Messages(out)
		require.Len(t, msgs, 1)
		require.Equal(t, "ran", msgs[0].Body.String())
		goruntime.AddCleanup(m, func(ch chan struct{}) { close(ch) }, collected)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		goruntime.GC()
		select {
		case <-collected:
			goruntime.KeepAlive(w)
			return
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the module and its runtime were not collected while the worker lives")
		}
		goruntime.Gosched()
	}
}
