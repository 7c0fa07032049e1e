package pipeline_test

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// byName is a test filter that refers to a pipeline by name.
type byName struct {
	module, name string
	p            *pipeline.Pipeline
}

func (b *byName) Info() pipeline.Info { return pipeline.Info{Name: "byName"} }
func (b *byName) Bind(r pipeline.Resolver) (err error) {
	b.p, err = r.Pipeline(b.module, b.name)
	return err
}
func (b *byName) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	sub := pipeline.NewStream(b.p, s.Context(), next)
	s.OnClose(sub.Close)
	return sub
}

func TestModuleBuildResolvesNamesAndRejectsUnknownOnes(t *testing.T) {
	m := pipeline.NewModule("main.js")
	m.Pipeline("entry", &byName{name: "later"})
	m.Pipeline("later", upper)
	require.NoError(t, m.Build())
	h := pipelinetest.New(t, m.Find("entry"))
	h.InputString("x").End()
	assert.Equal(t, `D"X" SE`, pipelinetest.Dump(h.Output()))

	bad := pipeline.NewModule("bad.js")
	bad.Pipeline("entry", upper, &byName{name: "nowhere"})
	err := bad.Build()
	require.ErrorIs(t, err, pipeline.ErrUnknownPipeline)
	assert.Contains(t, err.Error(), `"nowhere"`)
	assert.Contains(t, err.Error(), "bad.js")
	assert.Contains(t, err.Error(), "filter 2 (byName)")
}

func TestModuleResolvesAcrossModules(t *testing.T) {
	other := pipeline.NewModule("other.js")
	other.Pipeline("shout", upper)
	m := pipeline.NewModule("main.js")
	m.Modules = func(name string) (*pipeline.Module, error) {
		if name == "other.js" {
			return other, nil
		}
		return nil, pipeline.ErrUnknownModule
	}
	m.Pipeline("entry", &byName{module: "other.js", name: "shout"})
	require.NoError(t, m.Build())

	lonely := pipeline.NewModule("lonely.js")
	lonely.Pipeline("entry", &byName{module: "other.js", name: "shout"})
	assert.ErrorIs(t, lonely.Build(), pipeline.ErrUnknownModule)
}

func TestTaskRunsAtOnceThenEachIntervalButNeverTwiceAtATime(t *testing.T) {
	clock := pipelinetest.NewClock()
	w := pipeline.NewWorker(pipeline.WorkerOptions{Clock: clock})
	var runs []string
	var held []*pipeline.Stream
	record := fn{"record", func(s *pipeline.Stream, evt event.Event, next pipeline.Target) {
		switch evt.(type) {
		case *event.MessageStart:
			runs = append(runs, clock.Now().Sub(pipelinetest.Epoch).String())
		case *event.SessionEnd:
			if len(runs) == 2 && len(held) == 0 {
				s.Hold() // the second run stays busy
				held = append(held, s)
				return
			}
		}
		next.Input(evt)
	}}
	m := pipeline.NewModule("tasks")
	p := m.Task(time.Second, record)
	stop := pipeline.StartTask(p, w)
	w.RunPending()
	clock.Advance(time.Second, func() { w.RunPending() })
	clock.Advance(2*time.Second, func() { w.RunPending() })
	assert.Equal(t, []string{"0s", "1s"}, runs, "while the 1s run is busy, 2s and 3s are skipped")
	held[0].Release()
	w.RunPending()
	clock.Advance(time.Second, func() { w.RunPending() })
	assert.Equal(t, []string{"0s", "1s", "4s"}, runs)
	stop()
	w.RunPending()
	clock.Advance(5*time.Second, func() { w.RunPending() })
	assert.Len(t, runs, 3, "no run after stop")
	assert.Zero(t, clock.Pending())
}

func TestProgramListensRunsTasksAndReloads(t *testing.T) {
	check := pipelinetest.LeakCheck(t)
	ran := make(chan struct{}, 1)
	m := pipeline.NewModule("v1")
	m.Listen("127.0.0.1:0", pipeline.ListenOptions{}, upper)
	m.Task(0, fn{"once", func(s *pipeline.Stream, evt event.Event, next pipeline.Target) {
		if _, ok := evt.(*event.MessageStart); ok {
			ran <- struct{}{}
		}
		next.Input(evt)
	}})
	pr, err := pipeline.Start(m, pipeline.StartOptions{Workers: 2})
	require.NoError(t, err)
	select {
	case <-ran:
	case <-time.After(10 * time.Second):
		t.Fatal("the task did not run")
	}
	addr := pr.Addr("127.0.0.1:0").String()
	assert.Equal(t, "ABC", roundTrip(t, addr, "abc"))

	// A connection opened before the reload finishes on the old pipeline.
	old, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	io.WriteString(old, "o")
	b := make([]byte, 1)
	_, err = io.ReadFull(old, b)
	require.NoError(t, err)
	assert.Equal(t, "O", string(b))

	m2 := pipeline.NewModule("v2")
	m2.Listen("127.0.0.1:0", pipeline.ListenOptions{})
	require.NoError(t, pr.Reload(context.Background(), m2))
	assert.Equal(t, "abc", roundTrip(t, addr, "abc"), "new connections get the new configuration")
	io.WriteString(old, "p")
	_, err = io.ReadFull(old, b)
	require.NoError(t, err)
	assert.Equal(t, "P", string(b), "open connections keep the old one")
	old.Close()

	require.NoError(t, pr.Shutdown(context.Background()))
	check()
}

func TestStartFailsCleanlyOnBusyAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	m := pipeline.NewModule("busy")
	m.Listen(ln.Addr().String(), pipeline.ListenOptions{})
	_, err = pipeline.Start(m, pipeline.StartOptions{Workers: 1})
	require.Error(t, err)
	assert.Contains(t, err.Error(), ln.Addr().String())
}
