package pipeline

import "sync"

// Valve is the flow control shared by the connections of one context family.
// A writer whose queue passes its high-water mark calls Pause; when the queue
// drains below its low-water mark it calls Resume. Readers call Wait before
// reading: it returns at once while every writer is below its mark, and
// blocks otherwise, so what a slow peer leaves unread stops the reading on the
// other side instead of piling up in memory. A Valve is safe for concurrent use.
// The zero Valve is open, so one can live inside the struct that owns it.
type Valve struct {
	mu     sync.Mutex
	closed int
	open   chan struct{} // closed while the valve is open
	parent *Valve        // a Child's parent: closed, it closes this one too
	// followers are the valves that Follow v now: each gets one reason to
	// be closed while v is closed. The first lives in follower1, so that a
	// valve followed by one other at a time allocates nothing for it.
	followers []*Valve
	follower1 [1]*Valve
	// whenOpen is run once when the valve next opens (WhenOpen)
	whenOpen func()
}

var openChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// NewValve returns an open valve.
func NewValve() *Valve { return &Valve{open: openChan} }

// Child returns a new open valve that is also closed while v is: readers
// waiting on it wait for both. It is how one stream of a connection gets a
// valve of its own (demux pauses the upstream of an answer that must wait for
// its turn) while still following the connection's (a slow client).
func (v *Valve) Child() *Valve { return &Valve{open: openChan, parent: v} }

// Follow makes v closed while src (or, for a Child, one of its ancestors) is
// closed, until the returned Following's Stop is called; Stop opens v for
// what src's state closed it for, and may be called more than once. It is
// how a connection that serves many streams over time (an upstream pool's)
// follows the flow control of the one it serves now, where Child is fixed
// when the valve is made. Locks are taken from src to v: a valve must not
// follow, even indirectly, one of its followers.
func (v *Valve) Follow(src *Valve) Following {
	for x := src; x != nil; x = x.parent {
		x.mu.Lock()
		if x.followers == nil {
			x.followers = x.follower1[:0]
		}
		x.followers = append(x.followers, v)
		if x.closed > 0 {
			v.Pause()
		}
		x.mu.Unlock()
	}
	return Following{v: v, src: src}
}

// Following is what Valve.Follow returns: the link from a valve to the one
// it follows. The zero Following is not a link; its Stop does nothing.
type Following struct{ v, src *Valve }

// Stop ends the link: the valve no longer follows its source, and the
// reasons the source's state gave it are taken back. A second Stop does
// nothing.
func (f Following) Stop() {
	for x := f.src; x != nil; x = x.parent {
		x.mu.Lock()
		for i, y := range x.followers {
			if y == f.v {
				x.followers = append(x.followers[:i], x.followers[i+1:]...)
				if x.closed > 0 {
					f.v.Resume()
				}
				break
			}
		}
		x.mu.Unlock()
	}
}

// Pause adds one reason for the valve to be closed: it closes with the
// first, and stays closed until each is taken back by Resume.
func (v *Valve) Pause() {
	v.mu.Lock()
	v.closed++
	if v.closed == 1 {
		v.open = make(chan struct{})
		for _, f := range v.followers {
			f.Pause()
		}
	}
	v.mu.Unlock()
}

// Resume takes back one reason added by Pause; the valve opens when none is
// left.
func (v *Valve) Resume() {
	var fn func()
	v.mu.Lock()
	if v.closed > 0 {
		v.closed--
		if v.closed == 0 {
			close(v.open)
			v.open = openChan
			for _, f := range v.followers {
				f.Resume()
			}
			fn, v.whenOpen = v.whenOpen, nil
		}
	}
	v.mu.Unlock()
	if fn != nil {
		fn()
	}
}

// WhenOpen arranges for fn to run once, when v next opens, and reports
// true; when v is open already it does nothing and reports false. It is
// for a reader on a worker that waits for a valve without a goroutine
// blocked in Wait (an HTTP/2 stream holding back its client's credit): fn
// runs on the goroutine that opens v, typically not the worker, so it
// should only post work there (Worker.Post). A second call before v opens
// replaces fn. Only v's own state counts, not a Child's parent.
func (v *Valve) WhenOpen(fn func()) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed == 0 {
		return false
	}
	v.whenOpen = fn
	return true
}

// IsOpen reports whether the valve is open (and its parent, for a Child).
func (v *Valve) IsOpen() bool {
	v.mu.Lock()
	open := v.closed == 0
	v.mu.Unlock()
	return open && (v.parent == nil || v.parent.IsOpen())
}

// Wait blocks until the valve is open or done is closed; it reports whether
// the valve is open. A Child waits for its parent too.
func (v *Valve) Wait(done <-chan struct{}) bool {
	for {
		if v.parent != nil && !v.parent.Wait(done) {
			return false
		}
		if !v.waitOwn(done) {
			return false
		}
		if v.parent == nil || v.parent.IsOpen() {
			return true
		}
	}
}

func (v *Valve) waitOwn(done <-chan struct{}) bool {
	v.mu.Lock()
	ch := v.open
	v.mu.Unlock()
	if ch == nil { // a zero Valve never paused
		return true
	}
	select {
	case <-ch:
		return true
	default:
	}
	if testHookValveWait != nil {
		testHookValveWait()
	}
	select {
	case <-ch:
		return true
	case <-done:
		return false
	}
}

// testHookValveWait, when set by a test, runs each time a reader starts
// waiting on a closed valve.
var testHookValveWait func()
