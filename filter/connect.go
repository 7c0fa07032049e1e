package filter

import (
	"crypto/tls"
	"fmt"
	"net"
	"time"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// Connect returns a filter that sends its stream's Data to a TCP target
// ("host:port") through a pipeline.Outbound, and outputs what the target
// sends back as Data, then one SessionEnd (see Outbound for its kinds).
// Input events are not passed on; MessageStart and MessageEnd are dropped.
// It dials on the first event (a lone SessionEnd ends the stream without
// dialing), or at once with DialAtStart, holding Data until connected.
//
// An input SessionEnd before anything was sent is passed on (a decoder's
// refusal reaches the encoder that answers it). Later, a clean one
// half-closes the connection once everything is written; one with a
// ProtocolError does too, and is passed on once the earlier requests are
// answered; any other closes it at once. In a demux request stream a clean
// end does not half-close: it is not the end of the client, and many
// servers cancel a request on FIN. As the only filter of a stream fed by a
// client's connection (pipeline.Stream.Inbound), connect asks its Outbound
// to relay that connection in the kernel (pipeline.Outbound.Relay) unless
// TLS or a read, write or idle timeout is set.
func Connect(target string, opts ConnectOptions) pipeline.Filter {
	return &connect{target: target, opts: opts}
}

// ConnectFunc is Connect with a target computed by fn, on the stream's
// worker, when it dials (on the first event, or as the stream starts with
// DialAtStart). A panic in fn ends the stream with a runtime-error
// SessionEnd. ConnectFunc panics if fn is nil.
func ConnectFunc(fn func(s *pipeline.Stream) string, opts ConnectOptions) pipeline.Filter {
	if fn == nil {
		panic("filter: connect: nil target function")
	}
	return &connect{fn: fn, opts: opts}
}

// Dialer opens connections for Connect (pipeline.Dialer).
type Dialer = pipeline.Dialer

// ConnectOptions configure Connect. The zero value works; the struct is
// copied by Connect and shared by every stream, so it must not change after.
// The fields mean what pipeline.OutboundOptions' do.
type ConnectOptions struct {
	// BufferLimit: bytes held until the connection is up; 0 means
	// DefaultBufferLimit.
	BufferLimit int
	// RetryCount: times a failed dial is tried again; -1 means forever.
	RetryCount int
	// RetryDelay: wait before each retry; 0 means one second.
	RetryDelay time.Duration
	// ConnectTimeout bounds each dial, TLS handshake included; 0 means
	// 10 s (pipeline.DefaultConnectTimeout), negative no limit.
	ConnectTimeout time.Duration
	// AnswerTimeout fails with Timeout when bytes were sent and nothing
	// came back for that long (decodeHttpResponse answers it 504); 0 means
	// 60 s (pipeline.DefaultAnswerTimeout) in a demux request stream and no
	// limit elsewhere (a plain byte stream owes no answers), negative no
	// limit.
	AnswerTimeout time.Duration
	// ReadTimeout, WriteTimeout and IdleTimeout: 0 means no limit.
	ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// TLS, when not nil, makes the connection a TLS client.
	TLS *tls.Config
	// DialAtStart dials as soon as the stream starts instead of on the first
	// event, for protocols whose server speaks first (a sluice extension:
	// dialAtStart in scripts).
	DialAtStart bool
	// Dialer dials the target; nil means a net.Dialer.
	Dialer Dialer
	// Conn sets the connection's write water marks and read-ahead.
	Conn pipeline.ConnOptions
}

// DefaultBufferLimit is the BufferLimit used when it is 0.
const DefaultBufferLimit = pipeline.DefaultBufferLimit

func (o ConnectOptions) outbound() pipeline.OutboundOptions {
	return pipeline.OutboundOptions{
		Name: "connect", BufferLimit: o.BufferLimit, RetryCount: o.RetryCount, RetryDelay: o.RetryDelay,
		ConnectTimeout: o.ConnectTimeout, AnswerTimeout: o.AnswerTimeout, ReadTimeout: o.ReadTimeout,
		WriteTimeout: o.WriteTimeout, IdleTimeout: o.IdleTimeout, TLS: o.TLS, Dialer: o.Dialer, Conn: o.Conn,
	}
}

var connectInfo = pipeline.Info{
	Name:     "connect",
	Synopsis: "(target, options)",
	Summary:  "Sends Data to a TCP target and outputs what it sends back",
	Params: []pipeline.Param{
		{Name: "target", Type: "string|function", Doc: "Where to connect, as \"host:port\", or a function returning it, called on the first event"},
		{Name: "options", Type: "object", Doc: "bufferLimit (bytes held until connected, e.g. \"64k\"), retryCount (-1: forever), retryDelay, " +
			"connectTimeout (default 10s), answerTimeout (bytes sent and nothing back for that long: 504; default 60s in a demux request stream, none elsewhere), " +
			"readTimeout, writeTimeout, idleTimeout (durations such as \"5s\"; 0 turns one off), " +
			"tls: {cert, key, serverName, trusted, insecure}. TLS verifies the server's certificate against the system roots " +
			"(or trusted) and its name by default; insecure: true skips the check, which is what Pipy does"},
	},
}

type connect struct {
	target string
	fn     func(*pipeline.Stream) string
	opts   ConnectOptions
}

func (*connect) Info() pipeline.Info { return connectInfo }

func (f *connect) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	c := &connectInst{f: f, s: s, next: next}
	opts := f.opts.outbound()
	if opts.AnswerTimeout == 0 && s.Context().Root() != s.Context() {
		opts.AnswerTimeout = pipeline.DefaultAnswerTimeout // a request stream: an answer is owed
	}
	c.o = pipeline.NewOutbound(s, next, opts)
	if opts.AnswerTimeout > 0 {
		// An upgrade (101) or CONNECT seen by a decoder: a tunnel owes none.
		s.Context().OnTunnel(c.o.OweNoAnswer)
	}
	if f.opts.DialAtStart {
		s.Post(c.startEarly)
	}
	return c
}

// connectInst is the per-stream instance.
type connectInst struct {
	f       *connect
	s       *pipeline.Stream
	next    pipeline.Target
	o       *pipeline.Outbound
	started bool
}

// startEarly dials at the start of the stream (DialAtStart), unless an event
// came first.
func (c *connectInst) startEarly() {
	if !c.started && !c.s.Ended() {
		c.start()
	}
}

func (c *connectInst) Input(evt event.Event) {
	if c.o.Done() || c.s.Ended() {
		return
	}
	if e, ok := evt.(*event.SessionEnd); ok {
		switch {
		case !c.started:
			c.o.Close(e) // nothing was sent: no connection; the end passes on
		case e.Err == event.ProtocolError:
			c.o.EndWith(e) // a refused request: the ones before it are still answered
		case e.Err != event.NoError:
			c.o.Close(e)
		case c.s.Context().Root() == c.s.Context():
			c.o.End()
		}
		return
	}
	if !c.started && !c.start() {
		return
	}
	if d, ok := evt.(*event.Data); ok {
		c.o.Write(d)
	}
}

// start resolves the target and dials, relaying the client's connection if
// it can; false if it failed.
func (c *connectInst) start() bool {
	c.started = true
	target := c.f.target
	if c.f.fn != nil && !c.callTarget(&target) {
		return false
	}
	if _, _, err := net.SplitHostPort(target); err != nil {
		c.o.Fail(event.CannotResolve, fmt.Errorf("%w: connect %q: %v", ErrBadTarget, target, err))
		return false
	}
	c.o.Dial(target)
	c.o.Relay(c.s.Inbound(c))
	return !c.o.Done()
}

func (c *connectInst) callTarget(target *string) (ok bool) {
	defer c.s.Catch("connect", &ok)
	*target = c.f.fn(c.s)
	return true
}
