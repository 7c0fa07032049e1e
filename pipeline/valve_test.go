package pipeline_test

import (
	"testing"
	"time"

	"github.com/sluice-go/sluice/pipeline"
	"github.com/stretchr/testify/require"
)

// waitAsync runs v.Wait in a goroutine and returns where its result comes.
func waitAsync(v *pipeline.Valve, done chan struct{}) <-chan bool {
	ch := make(chan bool, 1)
	go func() { ch <- v.Wait(done) }()
	return ch
}

func TestValveChildFollowsItsParent(t *testing.T) {
	parent := pipeline.NewValve()
	child := parent.Child()
	require.True(t, child.IsOpen())
	parent.Pause()
	require.False(t, child.IsOpen(), "a closed parent closes the child")
	child.Pause()
	parent.Resume()
	require.False(t, child.IsOpen(), "the child's own reason holds")
	require.True(t, parent.IsOpen(), "the child never closes its parent")

	parent.Pause()
	got := waitAsync(child, make(chan struct{}))
	child.Resume()
	select {
	case <-got:
		t.Fatal("Wait returned while the parent is closed")
	default:
	}
	parent.Resume()
	select {
	case open := <-got:
		require.True(t, open)
	case <-time.After(10 * time.Second):
		t.Fatal("Wait did not return once both were open")
	}

	child.Pause()
	done := make(chan struct{})
	got = waitAsync(child, done)
	close(done)
	select {
	case open := <-got:
		require.False(t, open)
	case <-time.After(10 * time.Second):
		t.Fatal("Wait did not return when done was closed")
	}
}

func TestContextReturnValveOfADerivedContext(t *testing.T) {
	w := pipeline.NewWorker(pipeline.WorkerOptions{})
	root := pipeline.NewContext(w)
	d := root.Derive()
	require.Same(t, root.ReturnValve(), d.ReturnValve(), "shared by default")
	own := root.ReturnValve().Child()
	d.SetReturnValve(own)
	require.Same(t, own, d.ReturnValve())
	require.Same(t, own, d.Derive().ReturnValve(), "inherited by contexts derived from it")
	require.NotSame(t, own, root.ReturnValve())
	root.SetReturnValve(own)
	require.NotSame(t, own, root.ReturnValve(), "a root keeps the family's")
}

func TestValveFollowsASourceUntilStopped(t *testing.T) {
	a := pipeline.NewValve()
	v := pipeline.NewValve()
	a.Pause()
	stopA := v.Follow(a)
	require.False(t, v.IsOpen(), "following a closed source closes v")
	got := waitAsync(v, make(chan struct{}))
	a.Resume()
	require.True(t, <-got, "the source's opening wakes v's readers")
	a.Pause()
	require.False(t, v.IsOpen())
	stopA.Stop()
	stopA.Stop()
	require.True(t, v.IsOpen(), "stopping gives back the source's reason")
	a.Resume()
	a.Pause()
	require.True(t, v.IsOpen(), "a source no longer followed does nothing")

	parent := pipeline.NewValve()
	child := parent.Child()
	stopB := v.Follow(child)
	parent.Pause()
	require.False(t, v.IsOpen(), "a Child's parent counts")
	parent.Resume()
	v.Pause()
	stopB.Stop()
	require.False(t, v.IsOpen(), "v's own reasons stay")
	v.Resume()
	require.True(t, v.IsOpen())
}
