package filter

import (
	"time"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// Mux returns a filter that sends whole messages from many streams into one
// shared stream of a pipeline and routes each answer back to the stream whose
// request it answers (Pipy's mux).
//
// Each worker keeps one shared stream per target pipeline and selector key
// (called on a stream's first event; nil: one per pipeline). Each request,
// gathered whole so that requests of different streams never interleave,
// goes into it; Data outside messages is dropped. The shared stream starts
// in a context copied from the first stream's (Pipy runs it in the opener's,
// so variables set before mux are seen there). Its answers are matched to
// requests in order, at most MaxInFlight waiting. A SessionEnd is passed on
// once every answer owed has come out. The shared stream is closed
// IdleTimeout after its last user ends; if it ends by itself, the streams
// still owed answers get its SessionEnd, and the next request starts a new
// one. opts, at most one, are kept by the shared streams this filter starts.
// A reference by name is resolved when the module is built.
func Mux(ref Ref, selector func(s *pipeline.Stream) string, opts ...MuxOptions) pipeline.Filter {
	var o MuxOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultMuxIdleTimeout
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = DefaultMuxMaxInFlight
	}
	return &mux{ref: ref, selector: selector, opts: o}
}

// MuxOptions configure Mux. The zero value works.
type MuxOptions struct {
	// IdleTimeout is how long a shared stream stays open once the last
	// stream using it has ended; 0 means DefaultMuxIdleTimeout.
	IdleTimeout time.Duration
	// MaxInFlight is how many requests may be waiting for their answers in
	// one shared stream; 0 means DefaultMuxMaxInFlight.
	MaxInFlight int
	// MaxBodySize bounds the body of each request gathered, as
	// MessageOptions.MaxBodySize does: 0 means event.DefaultMaxBodySize
	// (16 MiB), a negative value no bound; past it the stream fails with a
	// BufferOverflow SessionEnd.
	MaxBodySize int64
}

// Defaults of MuxOptions, as in Pipy.
const (
	DefaultMuxIdleTimeout = 10 * time.Second
	DefaultMuxMaxInFlight = 100
)

var muxInfo = pipeline.Info{
	Name:     "mux",
	Synopsis: "(target, selector, options)",
	Summary:  "Sends messages of many streams into one shared stream and routes the answers back",
	Params: []pipeline.Param{
		targetParam,
		{Name: "selector", Type: "string|function", Doc: "Key of the shared stream to use (a function is called for each stream); default: one per pipeline per worker"},
		{Name: "options", Type: "object", Doc: "idleTimeout: how long a shared stream nobody uses stays open; maxInFlight: requests sent before their answers; " +
			"maxBodySize: the most body bytes of a request gathered (default 16 MiB, -1 for no bound)"},
	},
}

type mux struct {
	ref      Ref
	selector func(*pipeline.Stream) string
	opts     MuxOptions
}

func (*mux) Info() pipeline.Info { return muxInfo }

// Bind resolves the target's name.
func (f *mux) Bind(r pipeline.Resolver) error { return f.ref.bind(r) }

// Targets returns the bound target (pipeline.Linker).
func (f *mux) Targets() []*pipeline.Pipeline { return f.ref.targets() }

func (f *mux) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	u := &muxInst{f: f, s: s, next: next, req: event.MessageReader{MaxBodySize: f.opts.MaxBodySize}}
	s.OnClose(u.leave)
	return u
}

// muxInst is the per-stream instance: one user of a shared stream.
type muxInst struct {
	f       *mux
	s       *pipeline.Stream
	next    pipeline.Target
	started bool
	key     string
	sess    *muxSession
	req     event.MessageReader // gathers each request
	owed    int                 // answers owed; the stream is held once for each
	end     *event.SessionEnd   // input end, passed on once nothing is owed
	inEnded bool
}

func (u *muxInst) Input(evt event.Event) {
	if u.s.Ended() || u.inEnded {
		return
	}
	if !u.started {
		u.started = true
		if !u.start() {
			return
		}
	}
	m, ok := readMessage(u.s, "mux", &u.req, evt)
	switch e := evt.(type) {
	case *event.MessageEnd:
		if ok && m != nil {
			u.send(m)
		}
	case *event.SessionEnd:
		u.inEnded = true
		if u.owed == 0 {
			u.next.Input(e)
			return
		}
		u.end = e
	}
}

// start checks the target and picks the key; false when the stream failed.
func (u *muxInst) start() (ok bool) {
	if resolved(u.s, "mux", u.f.ref) == nil {
		return false
	}
	if u.f.selector == nil {
		return true
	}
	defer u.s.Catch("mux", &ok)
	u.key = u.f.selector(u.s)
	return true
}

func (u *muxInst) send(m *event.Message) {
	if u.sess == nil || u.sess.ended {
		u.sess = join(u.s, muxKey{u.f.ref.Pipeline, u.key}, u.f.opts)
	}
	u.owed++
	u.s.Hold()
	u.sess.request(u, m)
}

// output passes an answer's event on, unless the stream has gone.
func (u *muxInst) output(evt event.Event) {
	if u != nil && !u.s.Ended() {
		forward(u.s, "mux", u.next, evt)
	}
}

// answered counts an answer that has come out.
func (u *muxInst) answered() {
	if u == nil || u.owed == 0 {
		return
	}
	u.owed--
	if end := u.end; u.owed == 0 && end != nil {
		u.end = nil
		u.output(end)
	}
	u.s.Release()
}

// sessionEnded tells the stream, if it is owed answers, that they will not
// come: its output ends with e.
func (u *muxInst) sessionEnded(e *event.SessionEnd) {
	n := u.owed
	if n == 0 {
		return
	}
	u.owed, u.end = 0, nil
	u.output(copyEvent(e))
	for range n {
		u.s.Release()
	}
}

// leave runs when the stream closes.
func (u *muxInst) leave() {
	if ss := u.sess; ss != nil {
		u.sess = nil
		ss.leave()
	}
}

// muxKey identifies a shared stream in its worker's table.
type muxKey struct {
	p   *pipeline.Pipeline
	key string
}

type muxTable map[muxKey]*muxSession

type muxTableKey struct{}

// muxSession is a shared stream and the requests waiting for its answers.
// It lives on one worker.
type muxSession struct {
	table    muxTable
	key      muxKey
	w        *pipeline.Worker
	opts     MuxOptions
	st       *pipeline.Stream
	users    int            // streams that joined and have not ended
	waiting  []*muxInst     // one per request sent, oldest first
	queued   []muxRequest   // requests waiting for room, oldest first
	cur      *muxInst       // whom the answer being output goes to (nil: nobody)
	inAnswer bool           // between an answer's MessageStart and MessageEnd
	idle     pipeline.Timer // closes the session once nobody uses it
	pumping  bool           // a drain is posted
	ended    bool
	end      *event.SessionEnd // how it ended
}

type muxRequest struct {
	u *muxInst
	m *event.Message
}

// join returns the shared stream for k of s's worker, starting it if need
// be, from s's context, and counts one more user.
func join(s *pipeline.Stream, k muxKey, opts MuxOptions) *muxSession {
	w := s.Worker()
	table := w.Local(muxTableKey{}, func() any { return muxTable{} }).(muxTable)
	ss := table[k]
	if ss == nil {
		ss = &muxSession{table: table, key: k, w: w, opts: opts}
		table[k] = ss
		ss.st = pipeline.NewStream(k.p, s.Context().Copy(), ss)
	}
	ss.users++
	if ss.idle != nil {
		ss.idle.Stop()
		ss.idle = nil
	}
	return ss
}

func (ss *muxSession) leave() {
	ss.users--
	if ss.users == 0 && !ss.ended {
		ss.idle = ss.w.AfterFunc(ss.opts.IdleTimeout, ss.expire)
	}
}

func (ss *muxSession) expire() {
	ss.idle = nil
	if ss.users > 0 || ss.ended {
		return
	}
	ss.finish(&event.SessionEnd{})
	ss.st.Close()
}

// request sends u's request m, or queues it while MaxInFlight are waiting.
func (ss *muxSession) request(u *muxInst, m *event.Message) {
	if ss.ended {
		u.sessionEnded(ss.end)
		return
	}
	if len(ss.waiting) >= ss.opts.MaxInFlight || len(ss.queued) > 0 {
		ss.queued = append(ss.queued, muxRequest{u, m})
		return
	}
	ss.waiting = append(ss.waiting, u)
	pipeline.Emit(ss.st, m)
}

// Input receives the shared stream's output: answers, then its end.
func (ss *muxSession) Input(evt event.Event) {
	if ss.ended {
		return
	}
	switch e := evt.(type) {
	case *event.MessageStart:
		if ss.inAnswer {
			return
		}
		ss.inAnswer, ss.cur = true, nil
		if len(ss.waiting) > 0 {
			ss.cur = ss.waiting[0]
			ss.waiting[0] = nil
			ss.waiting = ss.waiting[1:]
		}
		ss.cur.output(e)
	case *event.Data:
		if ss.inAnswer {
			ss.cur.output(e)
		}
	case *event.MessageEnd:
		if !ss.inAnswer {
			return
		}
		u := ss.cur
		ss.inAnswer, ss.cur = false, nil
		u.output(e)
		u.answered()
		ss.pump()
	case *event.SessionEnd:
		users := make([]*muxInst, 0, len(ss.waiting)+len(ss.queued)+1)
		if ss.cur != nil {
			users = append(users, ss.cur)
		}
		users = append(users, ss.waiting...)
		for _, r := range ss.queued {
			users = append(users, r.u)
		}
		ss.finish(e)
		for _, u := range users {
			u.sessionEnded(e) // once per user: it owes nothing afterwards
		}
	}
}

// finish marks the session ended and forgets it: later requests start anew.
func (ss *muxSession) finish(e *event.SessionEnd) {
	ss.ended, ss.end = true, e
	if ss.table[ss.key] == ss {
		delete(ss.table, ss.key)
	}
	if ss.idle != nil {
		ss.idle.Stop()
		ss.idle = nil
	}
	ss.waiting, ss.queued, ss.cur = nil, nil, nil
}

// pump schedules sending queued requests now that an answer made room. It
// posts rather than sends, so as not to feed the shared stream from inside
// its own output.
func (ss *muxSession) pump() {
	if len(ss.queued) == 0 || ss.pumping || ss.ended {
		return
	}
	ss.pumping = true
	ss.w.Post(ss.drain)
}

func (ss *muxSession) drain() {
	ss.pumping = false
	for !ss.ended && len(ss.queued) > 0 && len(ss.waiting) < ss.opts.MaxInFlight {
		r := ss.queued[0]
		ss.queued[0] = muxRequest{}
		ss.queued = ss.queued[1:]
		if r.u.s.Ended() {
			continue
		}
		ss.waiting = append(ss.waiting, r.u)
		pipeline.Emit(ss.st, r.m)
	}
}
