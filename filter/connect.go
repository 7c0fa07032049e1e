package filter

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"time"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// Connect returns a filter that sends its stream's bytes to a TCP target
// ("host:port") and outputs what the target sends back.
//
// On the first event (other than a lone SessionEnd, which ends the stream
// without dialing), or at the start of the stream with DialAtStart, it dials
// the target on a goroutine; until the connection is up, Data is held, up to
// BufferLimit bytes. Once half of that is held, the context's Valve is closed
// until the connection is up (or the stream ends), so a client that sends
// faster than the dial completes is paused rather than cut off; BufferLimit
// bounds what still arrives meanwhile, from sources that do not pause. Then
// Data is written to the connection (all writes of one worker batch go out in
// one vectored write, so MessageEnd needs no explicit flush); MessageStart and
// MessageEnd carry nothing on a byte connection and are dropped. Input events
// are not passed on: the filter's output is what the remote sends, as Data,
// then one SessionEnd when the remote closes (no error at EOF, ReadError on a
// reset, Timeout when a timeout expires). An input SessionEnd half-closes the
// connection once everything is written (TCP FIN) and the stream stays open
// until the remote closes its side; an input SessionEnd with an error closes
// the connection at once and is passed on.
//
// Failures end the output with a SessionEnd of the matching kind, logged once
// at warning level with the target: CannotResolve when the name does not
// resolve, ConnectionRefused when the dial fails otherwise (as Pipy reports
// it), Timeout, Unauthorized when the TLS handshake rejects a certificate,
// BufferOverflow when BufferLimit is passed. Failed dials are retried
// RetryCount times first.
//
// What is queued for the connection is bounded through the stream context's
// Valve: when the remote reads slowly, the reading of every connection of the
// context family (the client's) pauses; likewise the remote is not read while
// the client is slow. When the stream ends or is closed, the connection is
// closed and every goroutine the filter started exits.
//
// Relay: when connect is the only filter of a listen pipeline, nothing else
// could see the bytes, so a pipeline.Server hands it the client's connection
// (see pipeline.Relayer) and, if that is a plain *net.TCPConn on a Unix system,
// the filter copies between the client and the target itself, in the kernel
// (splice(2) on Linux), instead of turning the bytes into events. It behaves as
// described above: the dial waits for the client's first byte unless
// DialAtStart is set (a client that closes without sending then ends the stream
// without a dial), the target, retries, timeouts, failure kinds and log line
// are the same; the client's FIN half-closes the target's connection; the
// target's close ends the stream and closes the client's connection once what
// the target sent has been passed on; a reset ends it with ReadError, a write
// to a peer that is gone (EPIPE) with WriteError. ConnectOptions with TLS,
// ReadTimeout, WriteTimeout or IdleTimeout set keep the event path, as do a
// server that terminates TLS or sets read or write timeouts.
func Connect(target string, opts ConnectOptions) pipeline.Filter {
	return &connect{target: target, opts: opts.withDefaults()}
}

// ConnectFunc is Connect with a target computed by fn, on the stream's
// worker, when it dials (on the first event, or as the stream starts with
// DialAtStart). A panic in fn ends the stream with a
// runtime-error SessionEnd. ConnectFunc panics if fn is nil.
func ConnectFunc(fn func(s *pipeline.Stream) string, opts ConnectOptions) pipeline.Filter {
	if fn == nil {
		panic("filter: connect: nil target function")
	}
	return &connect{fn: fn, opts: opts.withDefaults()}
}

// Dialer opens connections for Connect. *net.Dialer is one; a host passes its
// own to dial through a proxy, a tunnel or an in-memory network. DialContext
// is called on its own goroutine and must return once ctx is done.
type Dialer interface {
	DialContext(ctx context.Context, network, addr string) (net.Conn, error)
}

// ConnectOptions configure Connect. The zero value works; the struct is
// copied by Connect and shared by every stream, so it must not change after.
//
// TLS, ReadTimeout, WriteTimeout and IdleTimeout need the bytes to go
// through the worker: when any is set, connect never relays a connection in
// the kernel (see Connect). BufferLimit and Conn do not apply to a relayed
// connection, which holds no bytes in the process.
type ConnectOptions struct {
	// BufferLimit is how many bytes may be held while the connection is not
	// up yet; more ends the stream with BufferOverflow. Reading from the
	// client pauses once half of it is held. 0 means DefaultBufferLimit.
	BufferLimit int
	// RetryCount is how many times a failed dial is tried again; 0 means
	// never, -1 means forever.
	RetryCount int
	// RetryDelay is the wait before each retry; 0 means one second.
	RetryDelay time.Duration
	// ConnectTimeout bounds each dial, TLS handshake included; 0 means no
	// limit but the system's.
	ConnectTimeout time.Duration
	// ReadTimeout ends the stream when nothing arrives from the remote for
	// that long; 0 means no limit.
	ReadTimeout time.Duration
	// WriteTimeout ends the stream when bytes queued for the remote make no
	// progress for that long; 0 means no limit.
	WriteTimeout time.Duration
	// IdleTimeout ends the stream when no byte goes either way for that long;
	// 0 means no limit.
	IdleTimeout time.Duration
	// TLS, when not nil, makes the connection a TLS client with this
	// configuration; an empty ServerName is taken from the target's host.
	TLS *tls.Config
	// DialAtStart dials as soon as the stream starts instead of on the first
	// event (a target function is then called at start too), so that a
	// protocol whose server speaks first (MySQL, SMTP, FTP) works through a
	// connection the client has sent nothing on yet. Pipy dials on the first
	// event; this is a sluice extension (dialAtStart in scripts).
	DialAtStart bool
	// Dialer dials the target; nil means a net.Dialer.
	Dialer Dialer
	// Conn sets the connection's write water marks and read-ahead; its
	// timeouts are not used (see the fields above). The zero value means
	// pipeline's defaults.
	Conn pipeline.ConnOptions
}

// DefaultBufferLimit is the BufferLimit used when it is 0.
const DefaultBufferLimit = 1 << 20

// connectRetryDelay is the RetryDelay used when it is 0.
const connectRetryDelay = time.Second

func (o ConnectOptions) withDefaults() ConnectOptions {
	if o.BufferLimit <= 0 {
		o.BufferLimit = DefaultBufferLimit
	}
	if o.RetryDelay <= 0 {
		o.RetryDelay = connectRetryDelay
	}
	if o.Dialer == nil {
		o.Dialer = &net.Dialer{}
	}
	o.Conn.ReadTimeout, o.Conn.WriteTimeout = 0, 0
	return o
}

var connectInfo = pipeline.Info{
	Name:     "connect",
	Synopsis: "(target, options)",
	Summary:  "Sends Data to a TCP target and outputs what it sends back",
}

type connect struct {
	target string
	fn     func(*pipeline.Stream) string
	opts   ConnectOptions
}

func (*connect) Info() pipeline.Info { return connectInfo }

func (f *connect) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	c := &connectInst{f: f, s: s, next: next}
	if f.opts.DialAtStart {
		s.Post(c.startEarly)
	}
	return c
}

// startEarly dials at the start of the stream (DialAtStart), unless an event
// came first.
func (c *connectInst) startEarly() {
	if c.state == connectIdle && !c.s.Ended() {
		c.start()
	}
}

type connectState uint8

const (
	connectIdle connectState = iota
	connectDialing
	connectUp
	connectDone
)

// connectInst is the per-stream instance.
type connectInst struct {
	f     *connect
	s     *pipeline.Stream
	next  pipeline.Target
	state connectState

	target   string
	buf      event.Data // held until the connection is up
	inEnded  bool       // an input SessionEnd asked for a half-close
	attempts int
	timer    pipeline.Timer // connect timeout or retry delay
	cancel   context.CancelFunc
	results  chan connectResult // while a dial runs
	timedOut bool
	paused   bool // the context's Valve is closed while buf fills

	sock  *pipeline.Socket
	relay *connectRelay  // when the instance carries the client's connection
	watch pipeline.Timer // read, write and idle timeouts
	// Times of the last byte received, the last Data sent, and the last
	// write progress; the byte count written at the last check.
	lastRead, lastSend, lastProgress time.Time
	lastWritten                      int64
}

type connectResult struct {
	conn net.Conn
	err  error
}

func (c *connectInst) Input(evt event.Event) {
	if c.state == connectDone || c.s.Ended() || c.relay != nil {
		return
	}
	if e, ok := evt.(*event.SessionEnd); ok {
		c.inputEnd(e)
		return
	}
	if c.state == connectIdle && !c.start() {
		return
	}
	if d, ok := evt.(*event.Data); ok {
		c.send(d)
	}
}

func (c *connectInst) inputEnd(e *event.SessionEnd) {
	switch {
	case c.state == connectIdle:
		c.state = connectDone // nothing was sent: no connection
	case e.Err != event.NoError:
		c.end(e)
	default:
		c.inEnded = true
		if c.state == connectUp {
			c.sock.End(true)
		}
	}
}

// start resolves the target and starts dialing; false if it failed.
func (c *connectInst) start() bool {
	c.state = connectDialing
	c.s.Hold()
	c.s.OnClose(c.cleanup)
	c.target = c.f.target
	if c.f.fn != nil && !c.callTarget() {
		return false
	}
	if _, _, err := net.SplitHostPort(c.target); err != nil {
		c.fail(event.CannotResolve, fmt.Errorf("%w: connect %q: %v", ErrBadTarget, c.target, err))
		return false
	}
	c.dial()
	return c.state != connectDone
}

func (c *connectInst) callTarget() (ok bool) {
	defer c.s.Catch("connect", &ok)
	c.target = c.f.fn(c.s)
	return true
}

func (c *connectInst) send(d *event.Data) {
	switch c.state {
	case connectDialing:
		if c.buf.Len()+d.Len() > c.f.opts.BufferLimit {
			c.fail(event.BufferOverflow, fmt.Errorf("%w: connect %s: more than %d bytes before the connection is up",
				ErrBufferLimit, c.target, c.f.opts.BufferLimit))
			return
		}
		c.buf.PushData(d)
		if c.buf.Len() >= c.f.opts.BufferLimit/2 {
			c.pauseInput(true)
		}
	case connectUp:
		if c.watch != nil {
			c.lastSend = c.s.Worker().Now()
			if c.sock.Queued() == 0 {
				c.lastProgress = c.lastSend
			}
		}
		c.sock.Write(d)
	}
}

// dial starts one dial attempt on a goroutine; dialed gets its result.
func (c *connectInst) dial() {
	if c.state != connectDialing {
		return
	}
	c.attempts++
	c.timedOut = false
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	results := make(chan connectResult, 1)
	c.results = results
	if d := c.f.opts.ConnectTimeout; d > 0 {
		c.timer = c.s.AfterFunc(d, func() { c.timedOut = true; cancel() })
	}
	dialer, target, cfg := c.f.opts.Dialer, c.target, c.f.opts.TLS
	c.spawn(func() {
		conn, err := dialer.DialContext(ctx, "tcp", target)
		if err == nil && cfg != nil {
			conn, err = connectTLS(ctx, conn, cfg, target)
		}
		results <- connectResult{conn, err}
		c.s.Post(c.dialed)
	})
}

func (c *connectInst) dialed() {
	if c.state != connectDialing || c.results == nil {
		return
	}
	r := <-c.results
	c.results = nil
	c.cancel()
	c.stopTimer()
	if r.err != nil {
		kind, err := connectErrorKind(r.err), r.err
		if c.timedOut {
			kind, err = event.Timeout, fmt.Errorf("%w: connect %s: no connection after %v", ErrTimeout, c.target, c.f.opts.ConnectTimeout)
		}
		if n := c.f.opts.RetryCount; n < 0 || c.attempts <= n {
			c.s.Logger().Debug("connect: retrying", "target", c.target, "attempt", c.attempts, "err", err)
			c.timer = c.s.AfterFunc(c.f.opts.RetryDelay, c.dial)
			return
		}
		c.fail(kind, err)
		return
	}
	c.state = connectUp
	if c.relay != nil {
		c.relay.connected(r.conn)
		return
	}
	c.sock = pipeline.NewOutboundSocket(c.s, r.conn, c.f.opts.Conn)
	c.sock.Start(pipeline.TargetFunc(c.fromRemote), c.readerDone)
	if o := c.f.opts; o.ReadTimeout > 0 || o.WriteTimeout > 0 || o.IdleTimeout > 0 {
		now := c.s.Worker().Now()
		c.lastRead, c.lastSend, c.lastProgress = now, now, now
		c.check()
	}
	if c.buf.Len() > 0 {
		c.sock.Write(c.buf.Shift(c.buf.Len()))
	}
	c.pauseInput(false) // from now on the socket's queue closes the valve
	if c.inEnded {
		c.sock.End(true)
	}
}

// fromRemote receives what the socket reads: Data, then one SessionEnd.
func (c *connectInst) fromRemote(evt event.Event) {
	if c.state != connectUp {
		return
	}
	switch e := evt.(type) {
	case *event.Data:
		if c.watch != nil {
			c.lastRead = c.s.Worker().Now()
		}
		c.next.Input(e)
	case *event.SessionEnd:
		if e.Err != event.NoError {
			c.s.Logger().Warn("connect: connection failed", "target", c.target, "kind", e.Err.String(), "err", e.Message)
		}
		c.end(e)
	}
}

// readerDone runs once the socket has stopped reading (on the worker, or on
// the socket's reader goroutine as it exits). When the socket was closed
// without an end of input (a connection that cannot half-close is closed
// whole once written), it ends the output normally; in every other case the
// filter is done by the time this runs.
func (c *connectInst) readerDone() {
	c.s.Post(func() { c.fromRemote(&event.SessionEnd{}) })
}

// check enforces the read, write and idle timeouts, then sets the timer for
// the next check.
func (c *connectInst) check() {
	c.watch = nil
	if c.state != connectUp {
		return
	}
	o := &c.f.opts
	now := c.s.Worker().Now()
	if w := c.sock.Written(); w != c.lastWritten {
		c.lastWritten, c.lastProgress = w, now
	}
	next := time.Duration(1<<63 - 1)
	expired := func(what string, limit time.Duration, since time.Time) bool {
		left := limit - now.Sub(since)
		if left <= 0 {
			c.fail(event.Timeout, fmt.Errorf("%w: connect %s: %s for %v", ErrTimeout, c.target, what, limit))
			return true
		}
		next = min(next, left)
		return false
	}
	if o.ReadTimeout > 0 && expired("nothing read", o.ReadTimeout, c.lastRead) {
		return
	}
	if o.WriteTimeout > 0 {
		if c.sock.Queued() > 0 && expired("no write progress", o.WriteTimeout, c.lastProgress) {
			return
		}
		next = min(next, o.WriteTimeout)
	}
	last := c.lastRead
	if c.lastSend.After(last) {
		last = c.lastSend
	}
	if o.IdleTimeout > 0 && expired("idle", o.IdleTimeout, last) {
		return
	}
	c.watch = c.s.AfterFunc(next, c.check)
}

// fail ends the output with a failure, logged once with the target.
func (c *connectInst) fail(kind event.ErrorKind, err error) {
	c.s.Logger().Warn("connect: failed", "target", c.target, "kind", kind.String(), "err", err)
	c.end(event.End(kind, err))
}

// end closes everything and sends e out as the filter's last event.
func (c *connectInst) end(e *event.SessionEnd) {
	if c.state == connectDone {
		return
	}
	c.state = connectDone
	c.cleanup()
	c.next.Input(e)
	c.s.Release()
}

// pauseInput closes (on) or opens the context's Valve, once each way, which
// pauses or resumes the reading of the client's connections.
func (c *connectInst) pauseInput(on bool) {
	if c.paused == on {
		return
	}
	c.paused = on
	if on {
		c.s.Context().Valve().Close()
	} else {
		c.s.Context().Valve().Open()
	}
}

func (c *connectInst) stopTimer() {
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
}

// cleanup stops the timers, cancels a running dial (closing what it may
// still return), closes the connection (both, when relaying) and opens the
// valve if it closed it.
// It runs on end and on close.
func (c *connectInst) cleanup() {
	c.stopTimer()
	if c.watch != nil {
		c.watch.Stop()
		c.watch = nil
	}
	if c.results != nil {
		c.cancel()
		results := c.results
		c.spawn(func() { drainDial(results) })
		c.results = nil
	}
	if c.sock != nil {
		c.sock.Close()
	}
	if c.relay != nil {
		c.relay.stop()
	}
	c.buf.Reset()
	c.pauseInput(false)
	c.state = connectDone
}

func drainDial(results chan connectResult) {
	if r := <-results; r.conn != nil {
		r.conn.Close()
	}
}
