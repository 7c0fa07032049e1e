package pipeline_test

import (
	"errors"
	"testing"

	"github.com/sluice-go/sluice/pipeline"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// direct is a test filter that starts streams of a pipeline it holds (no
// name to resolve), and says so as a pipeline.Linker.
type direct struct{ p *pipeline.Pipeline }

func (d *direct) Info() pipeline.Info           { return pipeline.Info{Name: "direct"} }
func (d *direct) Targets() []*pipeline.Pipeline { return []*pipeline.Pipeline{d.p} }
func (d *direct) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	return pipeline.NewStream(d.p, s.Context(), next)
}

func cycleOf(t *testing.T, err error) string {
	t.Helper()
	require.ErrorIs(t, err, pipeline.ErrRecursivePipeline)
	var ce *pipeline.CycleError
	require.True(t, errors.As(err, &ce))
	return ce.Names()
}

func TestBuildRejectsPipelinesThatStartEachOtherInACycle(t *testing.T) {
	self := pipeline.NewModule("self.js")
	self.Pipeline("a", upper, &byName{name: "a"})
	err := self.Build()
	assert.Equal(t, "a → a", cycleOf(t, err))
	assert.Contains(t, err.Error(), `self.js: named pipeline "a" of self.js, filter 2 (byName): recursive pipeline: a → a`)
	assert.False(t, self.Built())

	loop := pipeline.NewModule("loop.js")
	loop.Listen("127.0.0.1:0", pipeline.ListenOptions{}, &byName{name: "a"})
	loop.Pipeline("a", &byName{name: "b"})
	loop.Pipeline("b", upper, &byName{name: "c"})
	loop.Pipeline("c", &byName{name: "a"})
	assert.Equal(t, "a → b → c → a", cycleOf(t, loop.Build()))

	// A pipeline held directly, not by name, counts the same.
	m := pipeline.NewModule("direct.js")
	a := m.Pipeline("a")
	a.Filters = append(a.Filters, &direct{a})
	assert.Equal(t, "a → a", cycleOf(t, m.Build()))
}

func TestBuildAcceptsPipelinesSharedByOthers(t *testing.T) {
	// entry → a → shared, entry → b → shared, a → b: shared is reached by
	// several paths, none of which comes back.
	m := pipeline.NewModule("diamond.js")
	m.Listen("127.0.0.1:0", pipeline.ListenOptions{}, &byName{name: "a"}, &byName{name: "b"})
	m.Pipeline("a", &byName{name: "shared"}, &byName{name: "b"})
	m.Pipeline("b", &byName{name: "shared"})
	m.Pipeline("shared", upper)
	require.NoError(t, m.Build())
}

func TestBuildRejectsACycleAcrossModules(t *testing.T) {
	a := pipeline.NewModule("a.js")
	b := pipeline.NewModule("b.js")
	mods := func(name string) (*pipeline.Module, error) {
		switch name {
		case "a.js":
			return a, nil
		case "b.js":
			return b, nil
		}
		return nil, pipeline.ErrUnknownModule
	}
	a.Modules, b.Modules = mods, mods
	a.Pipeline("in", &byName{module: "b.js", name: "out"})
	b.Pipeline("out", &byName{module: "a.js", name: "in"})
	require.NoError(t, b.Build(), "b alone: a's filters are not bound yet")
	assert.Equal(t, "a.js:in → b.js:out → a.js:in", cycleOf(t, a.Build()))
}

func TestBuildRejectsTwoListensOnOnePort(t *testing.T) {
	for _, c := range []struct {
		a, b     string
		conflict bool
	}{
		{":8080", ":8080", true},
		{"0.0.0.0:8080", "127.0.0.1:8080", true},
		{"127.0.0.1:8080", "[::]:8080", true},
		{"127.0.0.1:8080", "127.0.0.2:8080", false},
		{":8080", ":8081", false},
		{"127.0.0.1:0", ":0", false},
		{"127.0.0.1:0", "127.0.0.1:0", false},
	} {
		m := pipeline.NewModule("main.js")
		m.Listen(c.a, pipeline.ListenOptions{})
		m.Pipeline("between")
		m.Listen(c.b, pipeline.ListenOptions{})
		err := m.Build()
		if !c.conflict {
			assert.NoError(t, err, "%s %s", c.a, c.b)
			continue
		}
		require.ErrorIs(t, err, pipeline.ErrListenConflict, "%s %s", c.a, c.b)
		var le *pipeline.ListenConflictError
		require.True(t, errors.As(err, &le))
		assert.Equal(t, c.a, le.First.Addr)
		assert.Equal(t, c.b, le.Second.Addr)
		assert.Contains(t, err.Error(), c.b+" is listened on twice")
	}
}
