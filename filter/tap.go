package filter

import (
	"math"
	"strconv"
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
// worth (at least one message or byte) and starts full. Streams of one tap
// filter whose accounts are the same share one bucket per worker, as in Pipy
// (where a tap with no account is one budget for all its streams; the script
// binding gives that the account "undefined", as Pipy names it); the empty
// account gives each stream its own. Sharing is first come, first served: no
// stream is guaranteed a fair share. When the streams sharing a bucket have
// different quotas (QuotaFunc), the latest stream's quota sets the rate.
func Tap(opts TapOptions) pipeline.Filter { return &tap{opts: opts} }

// TapOptions configure Tap. The zero value passes everything at once.
type TapOptions struct {
	// Quota is the rate; the zero value means no limit.
	Quota Quota
	// QuotaFunc, when set, is called at each stream's first event and its
	// result is that stream's quota instead of Quota (Pipy's quota
	// function). It runs on the worker.
	QuotaFunc func(*pipeline.Stream) Quota
	// Account names the budget shared with other streams of the same
	// filter and worker; "" means the stream has its own.
	Account string
	// AccountFunc, when set, is called at each stream's first event and its
	// result is that stream's account instead of Account (Pipy's account
	// function). It runs on the worker.
	AccountFunc func(*pipeline.Stream) string
}

var tapInfo = pipeline.Info{
	Name:     "tap",
	Synopsis: "(quota, account)",
	Summary:  "Throttles messages or bytes per second; events wait, never dropped",
	Params: []pipeline.Param{
		{Name: "quota", Type: "number|string", Doc: "Messages per second as a number, bytes per second as a string (\"100k\")"},
		{Name: "account", Type: "string", Doc: "Streams with the same account share one quota (per worker)"},
	},
}

type tap struct{ opts TapOptions }

func (*tap) Info() pipeline.Info { return tapInfo }

func (f *tap) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	if f.opts.QuotaFunc == nil && f.opts.Quota.PerSecond <= 0 {
		return next
	}
	return &tapInst{f: f, s: s, next: next}
}

// setup reads the stream's quota and account, at its first event, and finds
// its bucket; it reports false when the stream is not throttled.
func (t *tapInst) setup() bool {
	t.ready = true
	o := &t.f.opts
	t.q = o.Quota
	if o.QuotaFunc != nil {
		t.q = o.QuotaFunc(t.s)
	}
	if t.q.PerSecond <= 0 {
		return false
	}
	account := o.Account
	if o.AccountFunc != nil {
		account = o.AccountFunc(t.s)
	}
	w := t.s.Worker()
	if account == "" {
		t.b = newTapBucket(t.q, w.Now())
		return true
	}
	key := tapKey{t.f, account}
	t.b = w.Local(key, func() any { return newTapBucket(t.q, w.Now()) }).(*tapBucket)
	t.b.setRate(t.q, w.Now())
	return true
}

// tapKey keys a shared bucket among the worker's locals.
type tapKey struct {
	f       *tap
	account string
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

// setRate changes the rate to q's, keeping the tokens (up to the new size).
func (b *tapBucket) setRate(q Quota, now time.Time) {
	if q.PerSecond == b.rate {
		return
	}
	b.refill(now)
	b.rate, b.size = q.PerSecond, max(q.PerSecond, 1)
	b.tokens = min(b.tokens, b.size)
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
	q      Quota // this stream's quota
	ready  bool  // setup ran
	pass   bool  // not throttled: events pass at once
	queue  []event.Event
	timer  pipeline.Timer
	held   bool
	hooked bool // stop is registered with OnClose
}

func (t *tapInst) Input(evt event.Event) {
	if t.s.Ended() {
		return
	}
	if !t.ready {
		t.pass = !t.setup()
	}
	if t.pass || (len(t.queue) == 0 && t.cost(evt) == 0) {
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
		if !t.q.Bytes {
			return 1
		}
	case *event.Data:
		if t.q.Bytes {
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

// Quota is a rate limit for tap: PerSecond messages a second, or PerSecond
// bytes a second when Bytes is set. The zero value means no limit.
type Quota struct {
	PerSecond float64
	Bytes     bool
}

// String describes the quota for logs: "2/s" for messages, "102400B/s" for
// bytes, "unlimited" for the zero value.
func (q Quota) String() string {
	if q.PerSecond == 0 {
		return "unlimited"
	}
	if q.Bytes {
		return strconv.FormatFloat(q.PerSecond, 'g', -1, 64) + "B/s"
	}
	return strconv.FormatFloat(q.PerSecond, 'g', -1, 64) + "/s"
}
