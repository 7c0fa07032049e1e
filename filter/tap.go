package filter

import (
	"math"
	"time"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// Tap returns a filter that throttles its stream to a quota: a number of
// messages a second (each MessageStart takes one) or of bytes a second (each
// Data takes its length; a Data larger than what is available is split).
// Other events take nothing. Events are never dropped: what exceeds the quota
// waits, in order, and is released as the budget refills; the stream is held
// while events wait.
//
// The budget is a token bucket on the worker's clock that holds one second's
// worth (at least one message or byte) and starts full. Streams whose taps
// name the same Account and Quota share one bucket per worker; no account
// gives each stream its own. Sharing is first come, first served: no stream
// is guaranteed a fair share.
func Tap(opts TapOptions) pipeline.Filter { return &tap{opts: opts} }

// TapOptions configure Tap. The zero value passes everything at once.
type TapOptions struct {
	// Quota is the rate; the zero value means no limit. ParseQuota reads it
	// as scripts write it (2 is messages, "100k" bytes a second).
	Quota Quota
	// Account names the budget shared with other streams of the same
	// worker; "" means the stream has its own.
	Account string
}

var tapInfo = pipeline.Info{
	Name:     "tap",
	Synopsis: "(quota, account)",
	Summary:  "Throttles messages or bytes per second; events wait, never dropped",
}

type tap struct{ opts TapOptions }

func (*tap) Info() pipeline.Info { return tapInfo }

func (f *tap) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	if f.opts.Quota.PerSecond <= 0 {
		return next
	}
	t := &tapInst{f: f, s: s, next: next}
	if f.opts.Account == "" {
		t.b = newTapBucket(f.opts.Quota, s.Worker().Now())
	} else {
		key := tapKey{f.opts.Account, f.opts.Quota}
		t.b = s.Worker().Local(key, func() any { return newTapBucket(key.q, s.Worker().Now()) }).(*tapBucket)
	}
	return t
}

// tapKey keys a shared bucket among the worker's locals.
type tapKey struct {
	account string
	q       Quota
}

// tapBucket is a token bucket: tokens refill at rate a second up to size.
type tapBucket struct {
	rate, size, tokens float64
	last               time.Time
}

func newTapBucket(q Quota, now time.Time) *tapBucket {
	size := max(q.PerSecond, 1)
	return &tapBucket{rate: q.PerSecond, size: size, tokens: size, last: now}
}

func (b *tapBucket) refill(now time.Time) {
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = min(b.size, b.tokens+el*b.rate)
		b.last = now
	}
}

// tapSlack absorbs float rounding when tokens are compared.
const tapSlack = 1e-9

// tapInst is the per-stream instance.
type tapInst struct {
	f      *tap
	s      *pipeline.Stream
	next   pipeline.Target
	b      *tapBucket
	queue  []event.Event
	timer  pipeline.Timer
	held   bool
	hooked bool // stop is registered with OnClose
}

func (t *tapInst) Input(evt event.Event) {
	if t.s.Ended() {
		return
	}
	if len(t.queue) == 0 && t.cost(evt) == 0 {
		t.next.Input(evt)
		return
	}
	t.queue = append(t.queue, evt)
	if t.timer == nil {
		t.release()
	}
}

// cost returns the tokens evt takes.
func (t *tapInst) cost(evt event.Event) int {
	switch e := evt.(type) {
	case *event.MessageStart:
		if !t.f.opts.Quota.Bytes {
			return 1
		}
	case *event.Data:
		if t.f.opts.Quota.Bytes {
			return e.Len()
		}
	}
	return 0
}

// release passes on what the budget allows, in order, and sets a timer for
// the rest.
func (t *tapInst) release() {
	t.timer = nil
	for len(t.queue) > 0 && !t.s.Ended() {
		evt := t.queue[0]
		need := t.cost(evt)
		if need > 0 {
			t.b.refill(t.s.Worker().Now())
			avail := int(math.Floor(t.b.tokens + tapSlack))
			if avail < 1 {
				t.wait(min(float64(need), t.b.size))
				break
			}
			if d, ok := evt.(*event.Data); ok && avail < need {
				t.b.tokens -= float64(avail)
				t.next.Input(d.Shift(avail))
				continue
			}
			t.b.tokens -= float64(need)
		}
		t.queue[0] = nil
		t.queue = t.queue[1:]
		t.next.Input(evt)
	}
	if len(t.queue) == 0 {
		t.queue = nil
	}
	switch {
	case len(t.queue) > 0 && !t.held:
		t.held = true
		t.s.Hold()
		if !t.hooked {
			t.hooked = true
			t.s.OnClose(t.stop)
		}
	case len(t.queue) == 0 && t.held:
		t.held = false
		t.s.Release()
	}
}

// wait sets the timer for when the bucket holds want tokens.
func (t *tapInst) wait(want float64) {
	secs := (want - t.b.tokens) / t.b.rate
	t.timer = t.s.AfterFunc(max(time.Duration(math.Ceil(secs*1e9)), 1), t.release)
}

func (t *tapInst) stop() {
	if t.timer != nil {
		t.timer.Stop()
		t.timer = nil
	}
	t.queue = nil
}
