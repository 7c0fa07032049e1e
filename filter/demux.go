package filter

import (
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// Demux returns a filter that sends each inbound message to its own stream of
// a pipeline and outputs the responses in request order (Pipy's demux).
//
// A MessageStart starts a stream of the target in a context derived from the
// stream's (Context.Derive: own values, same root), with the stream's Data;
// the message's Data and MessageEnd follow it there, then a SessionEnd. Data
// outside a message is dropped. Each such stream answers with the first
// message it outputs; what it outputs after that is dropped, and one whose
// output ends normally without a complete message answers nothing. One whose
// output ends with an error before a complete message ends this stream with
// that error when its turn comes, and later requests are dropped: a request
// must not go unanswered while its client waits, nor its answer slot be taken
// by the next request's (encodeHttpResponse answers such an error with 500).
// Answers are
// buffered and come out whole, in the order of the requests, however their
// streams finish: the answer to the first request waits for nothing, the
// second waits for the first, and so on. A stream whose answer came out is
// closed once its request is all in.
//
// A SessionEnd ends the message being received, if any, and is passed on
// once every pending answer has come out; the stream is held until then.
// When the stream ends, the streams still running are closed. A reference
// by name is resolved when the module is built (see pipeline.Binder).
func Demux(ref Ref) pipeline.Filter {
	return &demux{ref: ref}
}

var demuxInfo = pipeline.Info{
	Name:     "demux",
	Synopsis: "(target)",
	Summary:  "Sends each message to its own stream of a pipeline and outputs the answers in order",
}

type demux struct {
	ref Ref
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
	end      *event.SessionEnd // input end, passed on once the queue is empty
	inEnded  bool
	flushing bool
}

// demuxChan is one request's stream and the answer it is collecting.
type demuxChan struct {
	d       *demuxInst
	st      *pipeline.Stream
	answer  []event.Event
	started bool              // the answer's MessageStart came
	done    bool              // the answer is complete, or there will be none
	fed     bool              // the request is all in, SessionEnd included
	out     bool              // the answer has come out
	failed  *event.SessionEnd // its output ended with this error before an answer
}

func (d *demuxInst) Input(evt event.Event) {
	if d.s.Ended() || d.inEnded {
		return
	}
	switch e := evt.(type) {
	case *event.MessageStart:
		d.finishRequest(&event.SessionEnd{})
		p := resolved(d.s, "demux", d.f.ref)
		if p == nil {
			return
		}
		c := &demuxChan{d: d}
		d.queue = append(d.queue, c)
		c.st = pipeline.NewStream(p, d.s.Context().Derive(), c)
		c.st.SetData(d.s.Data())
		d.cur = c
		c.st.Input(e)
	case *event.Data:
		if d.cur != nil {
			d.cur.st.Input(e)
		}
	case *event.MessageEnd:
		if c := d.cur; c != nil {
			c.st.Input(e)
			d.finishRequest(&event.SessionEnd{})
		}
	case *event.SessionEnd:
		d.inEnded = true
		d.finishRequest(copyEvent(e))
		if len(d.queue) == 0 {
			d.next.Input(e)
			return
		}
		d.end = e
		d.s.Hold()
	}
}

// finishRequest ends the input of the request stream in progress, if any,
// and closes it if its answer already came out.
func (d *demuxInst) finishRequest(end event.Event) {
	if c := d.cur; c != nil {
		d.cur = nil
		c.st.Input(end)
		c.fed = true
		if c.out {
			c.st.Close()
		}
	}
}

// Input collects a request stream's output: the first message it outputs.
func (c *demuxChan) Input(evt event.Event) {
	if c.done {
		return
	}
	switch evt.(type) {
	case *event.MessageStart:
		if !c.started {
			c.started = true
			c.answer = append(c.answer, evt)
		}
	case *event.Data:
		if c.started {
			c.answer = append(c.answer, evt)
		}
	case *event.MessageEnd:
		if c.started {
			c.answer = append(c.answer, evt)
			c.done = true
			c.d.flush()
		}
	case *event.SessionEnd:
		if c.started {
			c.answer = nil // an answer cut short is no answer
		}
		if e := evt.(*event.SessionEnd); e.Err != event.NoError {
			c.failed = e
		}
		c.done = true
		c.d.flush()
	}
}

// flush outputs the answers at the head of the queue that are complete, then
// the input's SessionEnd once nothing is pending.
func (d *demuxInst) flush() {
	if d.flushing {
		return // the loop below picks up what just completed
	}
	d.flushing = true
	for len(d.queue) > 0 && d.queue[0].done && !d.s.Ended() {
		c := d.queue[0]
		if c.failed != nil {
			d.fail(c.failed)
			break
		}
		d.queue[0] = nil
		d.queue = d.queue[1:]
		for _, e := range c.answer {
			forward(d.s, "demux", d.next, e)
		}
		c.answer, c.out = nil, true
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

// fail ends the stream with end, the error a request stream ended with
// before answering, dropping later requests and answers.
func (d *demuxInst) fail(end *event.SessionEnd) {
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
	}
	d.queue, d.cur = nil, nil
}
