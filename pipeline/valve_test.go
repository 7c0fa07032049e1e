package pipeline_test

import (
	"sync"
	"testing"
	"time"

	"github.com/sluice-go/sluice/pipeline"
	"github.com/stretchr/testify/assert"
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

// TestValveWaitBlocksUntilOpened: readers of a closed valve wait, all of
// them, until the last reason is taken back, and then all go on.
func TestValveWaitBlocksUntilOpened(t *testing.T) {
	waiting := make(chan struct{}, 3)
	defer pipeline.SetTestHookValveWait(func() { waiting <- struct{}{} })()
	v := pipeline.NewValve()
	v.Pause()
	v.Pause()
	var got []<-chan bool
	for range 3 {
		got = append(got, waitAsync(v, make(chan struct{})))
	}
	for range 3 {
		select {
		case <-waiting:
		case <-time.After(10 * time.Second):
			t.Fatal("a reader did not wait")
		}
	}
	v.Resume()
	for _, ch := range got {
		select {
		case <-ch:
			t.Fatal("Wait returned while a reason is left")
		default:
		}
	}
	v.Resume()
	for _, ch := range got {
		select {
		case open := <-ch:
			require.True(t, open)
		case <-time.After(10 * time.Second):
			t.Fatal("Wait did not return once the valve opened")
		}
	}
	select {
	case open := <-waitAsync(v, nil):
		require.True(t, open, "an open valve does not make a reader wait")
	case <-time.After(10 * time.Second):
		t.Fatal("Wait on an open valve blocked")
	}
	require.Empty(t, waiting, "nobody waited on the open valve")
}

// TestValveExtraOpenIsNotCredit: an Open without a Close is ignored, so the
// next Close still closes.
func TestValveExtraOpenIsNotCredit(t *testing.T) {
	v := pipeline.NewValve()
	v.Resume()
	v.Resume()
	v.Pause()
	require.False(t, v.IsOpen())
	done := make(chan struct{})
	close(done)
	require.False(t, v.Wait(done), "a reader waits (and gives up when done is closed)")
	v.Resume()
	require.True(t, v.IsOpen(), "one Open takes back the one Close")
}

// TestValveFollowGivesOneReason: a source closed for several reasons gives
// its follower one, taken back when the source opens; the follower's own
// reasons stay its own.
func TestValveFollowGivesOneReason(t *testing.T) {
	src, v := pipeline.NewValve(), pipeline.NewValve()
	defer v.Follow(src).Stop()
	src.Pause()
	src.Pause()
	require.False(t, v.IsOpen())
	src.Resume()
	require.False(t, v.IsOpen(), "the source is still closed")
	src.Resume()
	require.True(t, v.IsOpen(), "one reason in all, taken back")

	v.Pause()
	src.Pause()
	src.Resume()
	require.False(t, v.IsOpen(), "v's own Close holds after the source opens")
	v.Resume()
	require.True(t, v.IsOpen())
	require.True(t, src.IsOpen(), "a follower never closes its source")
}

// TestValveFollowedByMany: every follower of a source closes with it;
// stopping one leaves the others following, and a chain passes a close on.
func TestValveFollowedByMany(t *testing.T) {
	src := pipeline.NewValve()
	fs := []*pipeline.Valve{pipeline.NewValve(), pipeline.NewValve(), pipeline.NewValve()}
	var links []pipeline.Following
	for _, f := range fs {
		links = append(links, f.Follow(src))
	}
	tail := pipeline.NewValve()
	defer tail.Follow(fs[2]).Stop() // src → fs[2] → tail
	src.Pause()
	for i, f := range fs {
		require.False(t, f.IsOpen(), "follower %d", i)
	}
	require.False(t, tail.IsOpen(), "a follower's follower closes too")
	links[1].Stop()
	require.True(t, fs[1].IsOpen(), "a stopped link gives its reason back")
	require.False(t, fs[0].IsOpen())
	require.False(t, fs[2].IsOpen())
	src.Resume()
	for i, f := range fs {
		require.True(t, f.IsOpen(), "follower %d", i)
	}
	require.True(t, tail.IsOpen())
	src.Pause()
	require.True(t, fs[1].IsOpen(), "no longer a follower")
	require.False(t, fs[0].IsOpen())
	require.False(t, tail.IsOpen())
	links[0].Stop()
	links[2].Stop()
	require.True(t, fs[0].IsOpen())
	require.True(t, tail.IsOpen())

	var zero pipeline.Following
	zero.Stop() // the zero Following links nothing
}

// TestValveConcurrentUse: closes and opens, follows and stops from many
// goroutines at once leave every valve open once they are balanced (run
// with -race, this also checks the locking).
func TestValveConcurrentUse(t *testing.T) {
	src := pipeline.NewValve()
	child := src.Child()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			v := pipeline.NewValve()
			for range 200 {
				link := v.Follow(child)
				src.Pause()
				child.Pause()
				child.Resume()
				src.Resume()
				link.Stop()
			}
			assert.True(t, v.IsOpen(), "a follower stayed closed")
		})
	}
	wg.Wait()
	require.True(t, src.IsOpen())
	require.True(t, child.IsOpen())
}

func TestContextValveOfADerivedContext(t *testing.T) {
	root := pipeline.NewContext(nil)
	d := root.Derive()
	require.Same(t, root.Valve(), d.Valve(), "shared by default")
	var own pipeline.Valve
	d.SetValve(&own)
	require.Same(t, &own, d.Valve())
	require.Same(t, &own, d.Derive().Valve(), "inherited by contexts derived from it")
	own.Pause()
	require.True(t, root.Valve().IsOpen(), "pausing a stream's own valve leaves the family's open")
	root.SetValve(&own)
	require.NotSame(t, &own, root.Valve(), "a root keeps the family's")
}

func TestZeroValveIsOpen(t *testing.T) {
	var v pipeline.Valve
	require.True(t, v.IsOpen())
	require.True(t, v.Wait(nil), "a zero valve does not block its readers")
	v.Pause()
	require.False(t, v.IsOpen())
	got := waitAsync(&v, make(chan struct{}))
	v.Resume()
	require.True(t, <-got)
}

func TestValveWhenOpenRunsOnceOnOpening(t *testing.T) {
	var v pipeline.Valve
	calls := 0
	require.False(t, v.WhenOpen(func() { calls++ }), "open: nothing to wait for")
	v.Pause()
	v.Pause()
	require.True(t, v.WhenOpen(func() { calls++ }))
	v.Resume()
	require.Zero(t, calls, "still closed for one reason")
	v.Resume()
	require.Equal(t, 1, calls, "run when the valve opens")
	v.Pause()
	v.Resume()
	require.Equal(t, 1, calls, "run once")

	// a valve opened by the source it follows runs it too
	src := pipeline.NewValve()
	f := v.Follow(src)
	src.Pause()
	require.True(t, v.WhenOpen(func() { calls++ }))
	src.Resume()
	require.Equal(t, 2, calls)
	f.Stop()
}
