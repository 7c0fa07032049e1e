package http2

import (
	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"golang.org/x/net/http2"
)

// DemuxHTTP returns the demuxHTTP filter: a server side for HTTP/1.x and
// HTTP/2 on one connection, which sends each request to its own stream of
// the target pipeline and outputs the answers (Pipy 1.x's demuxHTTP). It
// takes the bytes a listener reads and outputs the bytes to write back. At
// most one Options may be given.
//
// A TLS connection that agreed on "h2" by ALPN is HTTP/2. Otherwise the
// first bytes decide: the HTTP/2 connection preface ("PRI * HTTP/2.0...",
// h2c with prior knowledge) makes an HTTP/2 connection; anything else runs,
// in this stream, exactly the chain
//
//	decodeHttpRequest → demux(target) → encodeHttpResponse
//
// Over HTTP/2 each request's stream gets, in a context derived from the
// connection's, a MessageStart whose head reads as HTTP/1's does (method,
// path, protocol "HTTP/2", headers with the :authority as "host") plus
// "scheme" and "authority"; its body as Data while it arrives; and a
// MessageEnd carrying the trailers, if any (http1.Headers). Its first final
// message out is the answer: its head (any head, read as
// encodeHttpResponse reads one: status, headers) goes out as HEADERS, its
// body as DATA frames within the client's flow-control windows, a
// MessageEnd's tail as trailers; an answer complete within the batch of
// its head, without body or trailers, is one HEADERS frame that ends the
// stream (gRPC's Trailers-Only errors). Interim (1xx) heads go out as they
// come. A request stream that ends before answering is answered as over
// HTTP/1 (Options.OnFail's message, or a 500 naming the cause), except one
// whose upstream reset it (muxHTTP version 2, whose HTTP/1 clients get a
// 502): the client gets RST_STREAM with the upstream's code, as a gRPC
// client needs to tell a deadline (CANCEL) from a failure; one cut
// mid-answer is reset (RST_STREAM) without touching its siblings, except a
// gRPC call (content-type application/grpc...) whose stream failed: it
// ends with trailers grpc-status 14 (UNAVAILABLE). Answers go out as soon
// as they are ready, in any order.
//
// The connection honours the client's SETTINGS (window size, frame size,
// header table size), answers PING, returns flow-control credit as the
// request bodies arrive, and on a server's Drain (shutdown, reload) sends
// GOAWAY in two steps (a PING's round trip apart, so that requests already
// on their way are served) and ends once the open streams are answered.
// Options bound the streams, the frame size, the header lists, and guard
// against rapid reset, CONTINUATION floods, HPACK bombs and PING or
// SETTINGS floods.
func DemuxHTTP(target filter.Ref, opts ...Options) *DemuxHTTPFilter {
	f := &DemuxHTTPFilter{Target: target}
	if len(opts) > 0 {
		f.Options = opts[0]
	}
	if target.Pipeline != nil {
		f.setup(target.Pipeline)
	}
	return f
}

// DemuxHTTPFilter is the demuxHTTP filter; make it with DemuxHTTP. Its
// fields must not change once a stream uses it.
type DemuxHTTPFilter struct {
	Target  filter.Ref // the pipeline each request goes to
	Options Options    // HTTP/2 limits; zero fields mean the defaults

	target *pipeline.Pipeline
	opts   Options
	h1     []pipeline.Filter // the HTTP/1 chain
}

var demuxHTTPInfo = pipeline.Info{
	Name:     "demuxHTTP",
	Synopsis: "(target[, options])",
	Summary:  "Serves HTTP/1.x and HTTP/2 (h2c, h2): each request to its own stream of a pipeline, the answers back",
}

// Info describes the filter as scripts call it.
func (f *DemuxHTTPFilter) Info() pipeline.Info { return demuxHTTPInfo }

// Bind resolves the target's name (pipeline.Binder).
func (f *DemuxHTTPFilter) Bind(r pipeline.Resolver) error {
	if f.target != nil {
		return nil
	}
	p := f.Target.Pipeline
	if p == nil {
		var err error
		if p, err = r.Pipeline(f.Target.Module, f.Target.Name); err != nil {
			return err
		}
	}
	f.setup(p)
	return nil
}

// Targets returns the bound target (pipeline.Linker).
func (f *DemuxHTTPFilter) Targets() []*pipeline.Pipeline {
	if f.target == nil {
		return nil
	}
	return []*pipeline.Pipeline{f.target}
}

func (f *DemuxHTTPFilter) setup(p *pipeline.Pipeline) {
	f.target = p
	f.opts = f.Options.withDefaults()
	f.h1 = []pipeline.Filter{http1.DecodeRequest(), filter.Demux(filter.ToPipeline(p), filter.DemuxOptions{OnFail: f.opts.OnFail}), http1.EncodeResponse(nil)}
}

// New returns the filter's instance for stream s.
func (f *DemuxHTTPFilter) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	d := &demuxHTTP{f: f, s: s, next: next}
	s.Context().SetRequestTracker(d)
	return d
}

// demuxHTTP is the per-stream instance: sniffing, then one of the two.
type demuxHTTP struct {
	f       *DemuxHTTPFilter
	s       *pipeline.Stream
	next    pipeline.Target
	early   []byte          // the first bytes, until they decide
	to      pipeline.Target // the chosen protocol's input
	drained bool            // a reload asked to drain before the choice
}

func (d *demuxHTTP) Input(evt event.Event) {
	if d.to != nil {
		d.to.Input(evt)
		return
	}
	if d.f.target == nil {
		d.s.Fail(event.RuntimeError, filter.ErrUnbound)
		return
	}
	switch e := evt.(type) {
	case *event.Data:
		if d.s.Context().ALPN() == "h2" {
			// TLS agreed on h2: whatever comes is HTTP/2 (RFC 9113 3.3),
			// and anything but the preface is refused as HTTP/2 refuses it
			d.choose(true)
			d.to.Input(e)
			return
		}
		d.early = e.AppendTo(d.early)
		n := min(len(d.early), len(http2.ClientPreface))
		if string(d.early[:n]) == http2.ClientPreface[:n] && n < len(http2.ClientPreface) {
			return // not decided yet
		}
		// "PRI " begins only the preface (RFC 9113 3.4): a broken one is
		// refused as HTTP/2 (GOAWAY), not answered as an HTTP/1 request
		d.choose(n >= 4 && string(d.early[:4]) == "PRI ")
		b := d.early
		d.early = nil
		d.to.Input(event.FromBytes(b))
	case *event.SessionEnd:
		if len(d.early) > 0 {
			d.choose(false)
			d.to.Input(event.FromBytes(d.early))
			d.to.Input(e)
			return
		}
		d.next.Input(e)
	}
}

// choose starts the protocol's side.
func (d *demuxHTTP) choose(h2 bool) {
	if h2 {
		sc := newServerConn(d.s, d.next, d.f.target, d.f.opts)
		d.s.Context().SetRequestTracker(sc)
		d.to = sc
		sc.drainAfterFirst = d.drained // GOAWAY once the first request is in
		return
	}
	next := d.next
	for i := len(d.f.h1) - 1; i >= 0; i-- {
		next = d.f.h1[i].New(d.s, next)
	}
	d.to = next
	if t := d.s.Context().RequestTracker(); d.drained && t != nil {
		t.Drain(false) // answer the first request and close
	}
}

// Busy reports whether part of a request came (pipeline.RequestTracker).
func (d *demuxHTTP) Busy() bool { return len(d.early) > 0 }

// Drain ends a connection that has not sent a byte yet, when stopping;
// otherwise (a reload) the connection drains once its protocol is known
// (pipeline.RequestTracker).
func (d *demuxHTTP) Drain(stopping bool) {
	if d.to != nil || d.s.Ended() {
		return
	}
	if stopping && len(d.early) == 0 {
		d.to = pipeline.TargetFunc(func(event.Event) {})
		d.next.Input(&event.SessionEnd{})
		return
	}
	d.drained = true
}

// Busy reports whether a stream is open (pipeline.RequestTracker).
func (sc *serverConn) Busy() bool { return !sc.done && (len(sc.streams) > 0 || len(sc.in) > 0) }

// Drain sends GOAWAY, in two steps (see drain), and ends the connection
// once its open streams are answered (pipeline.RequestTracker).
func (sc *serverConn) Drain(bool) {
	sc.depth++
	sc.drain()
	sc.depth--
	sc.flushOut()
}
