package pipelinetest

import (
	"sort"
	"sync"
	"time"

	"github.com/sluice-go/sluice/pipeline"
)

// Clock is a manual pipeline.Clock: time stands still until Advance moves it,
// and timers fire inside Advance, in time order. It is safe for concurrent use.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	seq    int
	timers []*timer
}

type timer struct {
	c    *Clock
	when time.Time
	seq  int
	f    func()
	live bool
}

// Epoch is the time a new Clock starts at.
var Epoch = time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)

// NewClock returns a clock standing at Epoch.
func NewClock() *Clock { return &Clock{now: Epoch} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc schedules f for when the clock has advanced by d.
func (c *Clock) AfterFunc(d time.Duration, f func()) pipeline.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	t := &timer{c: c, when: c.now.Add(d), seq: c.seq, f: f, live: true}
	c.timers = append(c.timers, t)
	return t
}

// Stop cancels the timer.
func (t *timer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := t.live
	t.live = false
	return was
}

// Pending returns how many timers have not fired or been stopped.
func (c *Clock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, t := range c.timers {
		if t.live {
			n++
		}
	}
	return n
}

// next removes and returns the earliest live timer due by until, moving the
// clock to its time; nil when none is due.
func (c *Clock) next(until time.Time) *timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	live := c.timers[:0]
	for _, t := range c.timers {
		if t.live {
			live = append(live, t)
		}
	}
	c.timers = live
	sort.Slice(live, func(i, j int) bool {
		if !live[i].when.Equal(live[j].when) {
			return live[i].when.Before(live[j].when)
		}
		return live[i].seq < live[j].seq
	})
	if len(live) == 0 || live[0].when.After(until) {
		return nil
	}
	t := live[0]
	t.live = false
	if t.when.After(c.now) {
		c.now = t.when
	}
	return t
}

// Advance moves the clock forward by d, firing every timer that comes due,
// in order, each at its own time. after, if not nil, runs after each timer
// fires (the harness runs the worker's tasks there, so that timers those
// tasks set are seen).
func (c *Clock) Advance(d time.Duration, after func()) {
	until := c.Now().Add(d)
	for {
		t := c.next(until)
		if t == nil {
			break
		}
		t.f()
		if after != nil {
			after()
		}
	}
	c.mu.Lock()
	if until.After(c.now) {
		c.now = until
	}
	c.mu.Unlock()
}
