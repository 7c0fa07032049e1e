package pipeline_test

import (
	"testing"

	"github.com/sluice-go/sluice/pipeline"
	"github.com/stretchr/testify/assert"
)

type key struct{ name string }

func TestContextValuesAndDerive(t *testing.T) {
	w := pipeline.NewWorker(pipeline.WorkerOptions{})
	root := pipeline.NewContext(w)
	root.SetValue(key{"a"}, 1)
	child := root.Derive()
	assert.NotEqual(t, root.ID(), child.ID())
	assert.Same(t, root, child.Root())
	assert.Same(t, root, child.Parent())
	assert.Equal(t, 1, child.Value(key{"a"}), "a derived context sees its parent's values")
	child.SetValue(key{"a"}, 2)
	assert.Equal(t, 2, child.Value(key{"a"}))
	assert.Equal(t, 1, root.Value(key{"a"}), "and its own values stay its own")
	assert.Nil(t, root.Value(key{"missing"}))
	assert.Same(t, root.Valve(), child.Valve(), "one valve per family")
}

func TestNotifyRunsWatchersOfTheFamilyUntilCancelled(t *testing.T) {
	w := pipeline.NewWorker(pipeline.WorkerOptions{})
	root := pipeline.NewContext(w)
	child := root.Derive()
	var calls []string
	cancelA := child.Watch(func() { calls = append(calls, "a") })
	root.Watch(func() { calls = append(calls, "b") })
	root.Notify()
	assert.Equal(t, []string{"a", "b"}, calls)
	cancelA()
	cancelA()
	child.Notify()
	assert.Equal(t, []string{"a", "b", "b"}, calls)
}

func TestNotifyFromAWatcherRunsAnotherRoundNotRecursion(t *testing.T) {
	w := pipeline.NewWorker(pipeline.WorkerOptions{})
	c := pipeline.NewContext(w)
	n := 0
	c.Watch(func() {
		n++
		if n < 3 {
			c.Notify()
		}
	})
	c.Notify()
	assert.Equal(t, 3, n)
}

func TestValveClosesAndOpensByCount(t *testing.T) {
	v := pipeline.NewValve()
	assert.True(t, v.IsOpen())
	v.Pause()
	v.Pause()
	v.Resume()
	assert.False(t, v.IsOpen())
	done := make(chan struct{})
	close(done)
	assert.False(t, v.Wait(done), "Wait gives up when done is closed")
	v.Resume()
	assert.True(t, v.IsOpen())
	assert.True(t, v.Wait(nil))
	v.Resume() // more opens than closes are ignored
	assert.True(t, v.IsOpen())
}

// counter is an Inheritor: a derived context gets a copy of its current n.
type counter struct{ n int }

func (c *counter) Inherit(*pipeline.Context) any { return &counter{n: c.n} }

func TestPipyDeriveCopiesCurrentInheritableValues(t *testing.T) {
	w := pipeline.NewWorker(pipeline.WorkerOptions{})
	root := pipeline.NewContext(w)
	vars := &counter{n: 1}
	root.SetValue(key{"vars"}, vars)
	vars.n = 2 // changed after it was set: the copy takes the current value
	child := root.Derive()
	got := child.Value(key{"vars"}).(*counter)
	assert.NotSame(t, vars, got, "the derived context has its own copy")
	assert.Equal(t, 2, got.n)
	got.n = 3
	assert.Equal(t, 2, vars.n, "changing the copy leaves the parent's alone")
	grandchild := child.Derive()
	assert.Equal(t, 3, grandchild.Value(key{"vars"}).(*counter).n, "copied from the nearest context")
}

func TestContextCopyIsANewRootWithCopiedValues(t *testing.T) {
	w := pipeline.NewWorker(pipeline.WorkerOptions{})
	c := pipeline.NewContext(w)
	c.SetValue(key{"vars"}, &counter{n: 5})
	c.SetValue(key{"plain"}, 1)
	d := c.Derive().Copy()
	assert.Same(t, d, d.Root())
	assert.Nil(t, d.Parent())
	assert.NotSame(t, c.Valve(), d.Valve(), "flow control of its own")
	assert.Equal(t, 5, d.Value(key{"vars"}).(*counter).n)
	assert.NotSame(t, c.Value(key{"vars"}), d.Value(key{"vars"}))
	assert.Nil(t, d.Value(key{"plain"}), "only Inheritor values are copied")
}

// TestContextTunnel: Tunnel runs the OnTunnel callbacks of its own context
// once, not its parent's; OnTunnel after Tunnel runs at once.
func TestContextTunnel(t *testing.T) {
	w := pipeline.NewWorker(pipeline.WorkerOptions{})
	root := pipeline.NewContext(w)
	c := root.Derive()
	var calls []string
	root.OnTunnel(func() { calls = append(calls, "root") })
	c.OnTunnel(func() { calls = append(calls, "c1") })
	c.Tunnel()
	c.Tunnel()
	c.OnTunnel(func() { calls = append(calls, "c2") })
	assert.Equal(t, []string{"c1", "c2"}, calls)
}
