package pipeline

import "sync"

// Valve is the flow control shared by the connections of one context family.
// A writer whose queue passes its high-water mark calls Close; when the queue
// drains below its low-water mark it calls Open. Readers call Wait before
// reading: it returns at once while every writer is below its mark, and
// blocks otherwise, so what a slow peer leaves unread stops the reading on the
// other side instead of piling up in memory. A Valve is safe for concurrent use.
type Valve struct {
	mu     sync.Mutex
	closed int
	open   chan struct{} // closed while the valve is open
}

var openChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// NewValve returns an open valve.
func NewValve() *Valve { return &Valve{open: openChan} }

// Close adds one reason for the valve to be closed.
func (v *Valve) Close() {
	v.mu.Lock()
	v.closed++
	if v.closed == 1 {
		v.open = make(chan struct{})
	}
	v.mu.Unlock()
}

// Open removes one reason added by Close; the valve opens when none is left.
func (v *Valve) Open() {
	v.mu.Lock()
	if v.closed > 0 {
		v.closed--
		if v.closed == 0 {
			close(v.open)
			v.open = openChan
		}
	}
	v.mu.Unlock()
}

// IsOpen reports whether the valve is open.
func (v *Valve) IsOpen() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.closed == 0
}

// Wait blocks until the valve is open or done is closed; it reports whether
// the valve is open.
func (v *Valve) Wait(done <-chan struct{}) bool {
	v.mu.Lock()
	ch := v.open
	v.mu.Unlock()
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
