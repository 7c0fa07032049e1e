package filter

import (
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// Demux returns a filter that sends each inbound message to its own stream of
// a pipeline, in a context derived from this stream's, and outputs one answer
// per request, in request order (Pipy's demux). opts: at most one.
//
// A request stream's answer is the first message it outputs whose head is
// not interim (a "status" of 100–199 other than 101 passes on); what follows
// is dropped. The answer at the head of the queue streams out under the
// connection's backpressure; later ones wait in a buffer, and past
// BufferLimit bytes their upstream is paused. A request stream that fails
// before answering is answered by OnFail's message or a 500 naming the
// cause; so is a request's (a head with a "method") that ends cleanly
// without answering, the failure's cause ErrNoAnswer, logged at warn level
// (a client must not wait for ever); another message's stream that ends so
// answers nothing. One that fails mid-answer ends this stream with its
// error when its turn comes.
//
// Requests (heads with a "method") get their SessionEnd only once answered,
// since an upstream that sees its input end may take it for a client that
// left (Go's net/http cancels the request); other messages right after their
// MessageEnd. After a 101 answer the request stream is a two-way tunnel:
// Data outside messages goes to it. An input SessionEnd is passed on once
// every pending answer is out; request streams still running when this
// stream ends are closed. A reference by name is resolved when the module
// is built.
func Demux(ref Ref, opts ...DemuxOptions) pipeline.Filter {
	f := &demux{ref: ref}
	if len(opts) > 0 {
		f.opts = opts[0]
	}
	if f.opts.BufferLimit <= 0 {
		f.opts.BufferLimit = DefaultDemuxBufferLimit
	}
	return f
}

// DefaultDemuxBufferLimit is DemuxOptions.BufferLimit's default.
const DefaultDemuxBufferLimit = 1 << 20

// DemuxOptions configure Demux. The zero value gives the defaults.
type DemuxOptions struct {
	// BufferLimit is how many body bytes an answer waiting for its turn
	// may buffer before its stream's reading pauses; 0 means
	// DefaultDemuxBufferLimit.
	BufferLimit int
	// OnFail, when set, makes the answer for a request whose stream failed
	// before answering: it is given demux's stream and the failure, and
	// writes a message to out (MessageStart, Data, MessageEnd; a script's
	// replacement). When it writes no MessageStart, or panics, the default
	// answer is used. It runs on the worker.
	OnFail func(s *pipeline.Stream, end *event.SessionEnd, out pipeline.Target)
}

var demuxInfo = pipeline.Info{
	Name:     "demux",
	Synopsis: "(target[, options])",
	Summary:  "Sends each message to its own stream of a pipeline and outputs the answers in order",
	Params: []pipeline.Param{
		targetParam,
		{Name: "options", Type: "object", Doc: "onFail: a replacement for the answer to a request whose stream failed (a function gets the SessionEnd; " +
			"default: a 500 naming the cause); bufferLimit: body bytes an answer waiting for its turn holds before its upstream is paused " +
			"(default \"1m\")"},
	},
}

type demux struct {
	ref  Ref
	opts DemuxOptions
}

func (*demux) Info() pipeline.Info { return demuxInfo }

// Bind resolves the target's name.
func (f *demux) Bind(r pipeline.Resolver) error { return f.ref.bind(r) }

// Targets returns the bound target (pipeline.Linker).
func (f *demux) Targets() []*pipeline.Pipeline { return f.ref.targets() }

func (f *demux) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	d := &demuxInst{f: f, s: s, next: next}
	s.OnClose(d.close)
	return d
}

// demuxInst is the per-stream instance.
type demuxInst struct {
	f        *demux
	s        *pipeline.Stream
	next     pipeline.Target
	queue    []*demuxChan      // one per request, oldest first, until its answer came out
	cur      *demuxChan        // the one receiving the request in progress
	tunnel   *demuxChan        // the one whose 101 came out
	end      *event.SessionEnd // input end, passed on once the queue is empty
	inEnded  bool
	flushing bool
}

// demuxChan is one request's stream and its answer.
type demuxChan struct {
	d      *demuxInst
	st     *pipeline.Stream
	valve  *pipeline.Valve
	buf    []event.Event // output waiting to go out
	bufLen int           // body bytes in buf
	paused bool          // valve closed by us
	inMsg  bool          // a message of its output is open
	final  bool          // the answer's MessageStart came
	done   bool          // the answer ended, or there will be none
	tunnel bool          // the answer is a 101
	endOut bool          // a SessionEnd that ends demux is in buf
	hold   bool          // the input's end waits for the answer
	fed    bool          // the request is all in, SessionEnd included
	out    bool          // the answer has come out
}

func (d *demuxInst) Input(evt event.Event) {
	if d.s.Ended() || d.inEnded {
		return
	}
	if t := d.tunnel; t != nil {
		if e, ok := evt.(*event.SessionEnd); ok {
			d.inEnded, d.end = true, e
			d.s.Hold()
			t.fed = true
		}
		t.st.Input(evt)
		return
	}
	switch e := evt.(type) {
	case *event.MessageStart:
		d.finishRequest(&event.SessionEnd{})
		p := resolved(d.s, "demux", d.f.ref)
		if p == nil {
			return
		}
		ctx := d.s.Context().Derive()
		_, isReq := event.FieldOf(e.Head, "method")
		c := &demuxChan{d: d, valve: ctx.ReturnValve().Child(), hold: isReq}
		ctx.SetReturnValve(c.valve)
		d.queue = append(d.queue, c)
		c.st = pipeline.NewStream(p, ctx, c)
		c.st.SetValue(d.s.Value())
		d.cur = c
		c.st.Input(e)
	case *event.Data:
		if d.cur != nil {
			d.cur.st.Input(e)
		}
	case *event.MessageEnd:
		if c := d.cur; c != nil {
			c.st.Input(e)
			if c.hold && !c.done {
				d.cur = nil // its SessionEnd waits for its answer
				return
			}
			d.finishRequest(&event.SessionEnd{})
		}
	case *event.SessionEnd:
		d.inEnded = true
		d.finishRequest(copyEvent(e))
		for _, c := range d.queue {
			if c.hold && !c.fed {
				c.feedEnd(copyEvent(e))
			}
		}
		if len(d.queue) == 0 {
			d.next.Input(e)
			return
		}
		d.end = e
		d.s.Hold()
	}
}

// finishRequest ends the input of the request stream in progress, if any.
func (d *demuxInst) finishRequest(end event.Event) {
	if c := d.cur; c != nil {
		d.cur = nil
		c.feedEnd(end)
	}
}

// feedEnd ends c's input, and closes c if its answer already came out.
func (c *demuxChan) feedEnd(end event.Event) {
	if c.fed {
		return
	}
	c.fed = true
	c.st.Input(end)
	if c.out {
		c.st.Close()
	}
}

// Input takes a request stream's output, as described on Demux.
func (c *demuxChan) Input(evt event.Event) {
	if c.done && !c.tunnel || c.endOut {
		return
	}
	switch e := evt.(type) {
	case *event.MessageStart:
		if c.inMsg || c.done {
			return
		}
		c.inMsg = true
		if st, ok := statusOf(e.Head); ok && st >= 100 && st < 200 && st != 101 {
			c.push(e) // interim
			return
		}
		c.final = true
		if st, _ := statusOf(e.Head); st == 101 && c.hold {
			c.tunnel = true
		}
		c.push(e)
	case *event.Data:
		if c.inMsg || c.done && c.tunnel {
			c.bufLen += e.Len()
			c.push(e)
		}
	case *event.MessageEnd:
		if c.inMsg {
			c.inMsg = false
			c.done = c.final
			c.push(e)
			if c.done && c.hold && !c.tunnel && c.d.cur != c {
				c.feedEnd(&event.SessionEnd{})
			}
		}
	case *event.SessionEnd:
		switch {
		case c.tunnel && c.done:
			c.endOut = true
			c.push(e)
		case c.final: // cut mid-answer
			if e.Err == event.NoError {
				e = event.End(event.ReadError, ErrAnswerCut)
			}
			c.endOut = true
			c.push(e)
		case e.Err != event.NoError || c.hold:
			if e.Err == event.NoError {
				e = Unanswered(c.st)
			}
			if c.inMsg { // an interim answer cut short
				c.inMsg = false
				c.buf = append(c.buf, &event.MessageEnd{})
			}
			c.failAnswer(e)
		}
		c.done = true
	}
	c.d.flush()
}

// push queues evt for output, and pauses c's reading when it buffers too
// much while waiting for its turn.
func (c *demuxChan) push(evt event.Event) {
	c.buf = append(c.buf, evt)
	if !c.paused && c.bufLen > c.d.f.opts.BufferLimit && (len(c.d.queue) == 0 || c.d.queue[0] != c) {
		c.paused = true
		c.valve.Pause()
	}
}

// failAnswer queues the synthetic answer for c's failure.
func (c *demuxChan) failAnswer(end *event.SessionEnd) {
	c.buf = append(c.buf, FailAnswer(c.d.s, end, c.d.f.opts.OnFail)...)
}

// Unanswered returns the end a request is answered for (FailAnswer) when
// its stream s ended cleanly without answering, its cause ErrNoAnswer, and
// logs it at warn level naming s's pipeline: a request must not be left
// without an answer, nor fail silently.
func Unanswered(s *pipeline.Stream) *event.SessionEnd {
	s.Logger().Warn("demux: a request's stream ended without an answer; answered as failed")
	return event.End(event.UnknownError, ErrNoAnswer)
}

// FailAnswer returns the message demux answers a request with when the
// request's stream failed with end before answering (demuxHTTP answers
// HTTP/2 requests with it too): the first message onFail, if not nil,
// writes when given s and end (a MessageEnd added if it wrote none), or,
// when it writes no MessageStart, panics or ends s, a 500 whose text/plain
// body names the cause.
func FailAnswer(s *pipeline.Stream, end *event.SessionEnd, onFail func(*pipeline.Stream, *event.SessionEnd, pipeline.Target)) []event.Event {
	if onFail != nil {
		var got []event.Event
		if callOnFail(s, onFail, end, &got) && len(got) > 0 {
			if _, ok := got[0].(*event.MessageStart); ok {
				if _, ok := got[len(got)-1].(*event.MessageEnd); !ok {
					got = append(got, &event.MessageEnd{})
				}
				return got
			}
		}
	}
	return []event.Event{&event.MessageStart{Head: event.Fields{
		"status": 500, "headers": map[string]any{"content-type": "text/plain; charset=utf-8"},
	}}, failureBody(end), &event.MessageEnd{}}
}

// callOnFail runs the OnFail hook, collecting the first message it writes.
func callOnFail(s *pipeline.Stream, fn func(*pipeline.Stream, *event.SessionEnd, pipeline.Target), end *event.SessionEnd, got *[]event.Event) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			s.Logger().Error("demux: OnFail panicked", "panic", r)
			ok = false
		}
	}()
	inMsg, ended := false, false
	fn(s, end, pipeline.TargetFunc(func(evt event.Event) {
		if ended {
			return
		}
		switch evt.(type) {
		case *event.MessageStart:
			if inMsg {
				return
			}
			inMsg = true
		case *event.Data:
			if !inMsg {
				return
			}
		case *event.MessageEnd:
			ended = inMsg
			if !inMsg {
				return
			}
		default:
			return
		}
		*got = append(*got, evt)
	}))
	return !s.Ended()
}

// failureBody is the default synthetic answer's body: the cause, at most
// 200 bytes of it, control bytes replaced.
func failureBody(end *event.SessionEnd) *event.Data {
	cause := end.Err.String()
	if end.Message != "" {
		cause += ": " + end.Message
	}
	if len(cause) > 200 {
		cause = cause[:200] + "..."
	}
	b := []byte("Internal Server Error: " + cause + "\n")
	for i, ch := range b[:len(b)-1] {
		if ch < 0x20 || ch == 0x7f {
			b[i] = ' '
		}
	}
	return event.FromBytes(b)
}

// flush outputs what the head of the queue has, and each answer after it
// that is complete; then the input's SessionEnd once nothing is pending.
func (d *demuxInst) flush() {
	if d.flushing {
		return // the loop below picks up what just came
	}
	d.flushing = true
	for len(d.queue) > 0 && !d.s.Ended() {
		c := d.queue[0]
		if c.paused {
			c.paused = false
			c.valve.Resume()
		}
		for len(c.buf) > 0 && !d.s.Ended() {
			e := c.buf[0]
			c.buf[0] = nil
			c.buf = c.buf[1:]
			if dt, ok := e.(*event.Data); ok {
				c.bufLen -= dt.Len()
			}
			if se, ok := e.(*event.SessionEnd); ok {
				d.finish(se)
				break
			}
			if _, ok := e.(*event.MessageStart); ok && c.tunnel && d.tunnel == nil {
				d.tunnel = c
			}
			forward(d.s, "demux", d.next, e)
		}
		if !c.done || c.tunnel || d.s.Ended() {
			break
		}
		d.queue[0] = nil
		d.queue = d.queue[1:]
		c.buf, c.out = nil, true
		if c.fed {
			c.st.Close()
		}
	}
	d.flushing = false
	if end := d.end; len(d.queue) == 0 && end != nil && !d.s.Ended() {
		d.end = nil
		forward(d.s, "demux", d.next, end)
		d.s.Release()
	}
}

// finish ends the stream with end, a request stream's end that ends them
// all (a cut answer, a tunnel's end), dropping later requests and answers.
func (d *demuxInst) finish(end *event.SessionEnd) {
	d.close()
	d.inEnded = true
	if d.end != nil {
		d.end = nil
		d.s.Release()
	}
	forward(d.s, "demux", d.next, end)
}

func (d *demuxInst) close() {
	if d.cur != nil {
		d.cur.st.Close()
	}
	for _, c := range d.queue {
		if c.st != nil {
			c.st.Close()
		}
		if c.paused {
			c.paused = false
			c.valve.Resume()
		}
	}
	d.queue, d.cur, d.tunnel = nil, nil, nil
}

// statusOf reads a head's "status" field as a number.
func statusOf(head any) (int64, bool) {
	n, ok, err := event.IntField(head, "status", 0, 999)
	return n, ok && err == nil
}
