package pipeline

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"time"

	"github.com/sluice-go/sluice/event"
)

// Dialer opens outbound connections. *net.Dialer is one; a host passes its
// own to dial through a proxy, a tunnel or an in-memory network. DialContext
// is called on its own goroutine and must return once ctx is done.
type Dialer interface {
	DialContext(ctx context.Context, network, addr string) (net.Conn, error)
}

// OutboundOptions configure an Outbound. The zero value works; it is copied
// and must not change after.
type OutboundOptions struct {
	// Name names the user in log lines ("connect"); "" means "outbound".
	Name string
	// BufferLimit is how many bytes may be held while the connection is not
	// up yet; more fails with BufferOverflow. Reading from the client pauses
	// once half of it is held. 0 means DefaultBufferLimit.
	BufferLimit int
	// RetryCount is how many times a failed dial is tried again; 0 means
	// never, -1 means forever.
	RetryCount int
	// RetryDelay is the wait before each retry; 0 means one second.
	RetryDelay time.Duration
	// ConnectTimeout bounds each dial, TLS handshake included; 0 means
	// DefaultConnectTimeout, a negative value no limit but the system's.
	ConnectTimeout time.Duration
	// AnswerTimeout fails the connection with Timeout when bytes were sent
	// and nothing has arrived since for that long (nginx's
	// proxy_read_timeout, armed only while an answer is owed); 0 or a
	// negative value means no limit. A plain byte stream (a TCP proxy, a
	// log shipper) owes no answers; users that know the protocol expects
	// one (an HTTP request stream, a pool) set DefaultAnswerTimeout.
	AnswerTimeout time.Duration
	// ReadTimeout fails the connection when nothing arrives for that long;
	// 0 means no limit.
	ReadTimeout time.Duration
	// WriteTimeout fails the connection when bytes queued for the remote
	// make no progress for that long; 0 means no limit.
	WriteTimeout time.Duration
	// IdleTimeout fails the connection when no byte goes either way for that
	// long; 0 means no limit.
	IdleTimeout time.Duration
	// TLS, when not nil, makes the connection a TLS client with this
	// configuration; an empty ServerName is taken from the target's host.
	TLS *tls.Config
	// ALPN, when set with TLS, is the application protocol the remote must
	// agree on by ALPN (TLS.NextProtos offers it): a handshake that agrees
	// on another, or on none (a server without ALPN), fails the connection
	// with ErrALPN (a ProtocolError) naming the target and the protocol
	// chosen, before a byte is sent.
	ALPN string
	// Dialer dials; nil means a net.Dialer.
	Dialer Dialer
	// Conn sets the socket's water marks and read-ahead; its timeouts are
	// not used (the fields above are).
	Conn ConnOptions
}

// Defaults of OutboundOptions.
const (
	DefaultBufferLimit    = 1 << 20
	DefaultConnectTimeout = 10 * time.Second
	DefaultAnswerTimeout  = 60 * time.Second // what HTTP users of an Outbound set
	defaultRetryDelay     = time.Second
)

func (o OutboundOptions) withDefaults() OutboundOptions {
	if o.Name == "" {
		o.Name = "outbound"
	}
	if o.BufferLimit <= 0 {
		o.BufferLimit = DefaultBufferLimit
	}
	if o.RetryDelay <= 0 {
		o.RetryDelay = defaultRetryDelay
	}
	if o.ConnectTimeout == 0 {
		o.ConnectTimeout = DefaultConnectTimeout
	}
	if o.Dialer == nil {
		o.Dialer = &net.Dialer{}
	}
	o.Conn.ReadTimeout, o.Conn.WriteTimeout = 0, 0
	return o
}

type outboundState uint8

const (
	outboundIdle outboundState = iota
	outboundDialing
	outboundUp
	outboundDone
)

// Outbound is a connection a stream opens to a remote (an upstream, a
// process): the one owner of its dialing, retries, TLS client handshake,
// bytes held until it is up, timeouts (on the worker's clock) and I/O
// (through a Socket), and of the kernel relay between it and a client's
// connection (Relay).
//
// Dial starts it; Write sends bytes (held, up to BufferLimit, while it is
// not up yet); End half-closes it once everything is written. What the
// remote sends goes to the output Target as Data, then exactly one
// SessionEnd: no error when the remote closes, ReadError on a reset,
// WriteError when a write fails, Timeout when a timeout expires,
// CannotResolve, ConnectionRefused or Unauthorized when it cannot be had
// (after RetryCount more tries), BufferOverflow when too much is held.
// Failures are logged once at warning level with the target. The stream is
// held from Dial to that SessionEnd; when the stream is closed first, the
// connection is closed and every goroutine it started exits.
//
// All methods are called on the stream's worker.
type Outbound struct {
	s     *Stream
	out   Target
	opts  OutboundOptions
	state outboundState

	target   string
	buf      event.Data        // held until the connection is up
	ending   bool              // End was called
	endWith  *event.SessionEnd // EndWith's: replaces the remote's clean end
	attempts int
	timer    Timer // connect timeout or retry delay
	cancel   context.CancelFunc
	results  chan dialResult // while a dial runs
	timedOut bool
	paused   bool // the context's Valve is closed while buf fills
	alpn     string

	sock  *Socket
	relay *relay
	watch Timer // answer, read, write and idle timeouts
	// Times of the last byte received, the last Data sent, the first Data
	// sent after the last byte received (zero when no answer is owed), and
	// the last write progress; the byte count written at the last check.
	lastRead, lastSend, owedSince, lastProgress time.Time
	lastWritten                                 int64
}

type dialResult struct {
	conn net.Conn
	err  error
}

// NewOutbound returns an Outbound of stream s whose output goes to out.
// Nothing happens until Dial.
func NewOutbound(s *Stream, out Target, opts OutboundOptions) *Outbound {
	return &Outbound{s: s, out: out, opts: opts.withDefaults()}
}

// NewOutboundConn returns an Outbound over nc, a connection already made
// (a process's pipes, a connection a host dialed), started at once: what nc
// delivers goes to out. Only the water marks and the read, write, idle and
// answer timeouts of opts apply.
func NewOutboundConn(s *Stream, nc net.Conn, out Target, opts OutboundOptions) *Outbound {
	o := NewOutbound(s, out, opts)
	o.state = outboundDialing
	o.s.Hold()
	o.s.OnClose(o.cleanup)
	o.up(nc)
	return o
}

// ALPN returns the application protocol the connection's TLS handshake
// agreed on by ALPN ("h2", "http/1.1"), or "" (no TLS, no ALPN, or not up
// yet): Context.ALPN's outbound counterpart.
func (o *Outbound) ALPN() string { return o.alpn }

// Target returns the target given to Dial.
func (o *Outbound) Target() string { return o.target }

// Connected reports whether the connection is up.
func (o *Outbound) Connected() bool { return o.state == outboundUp }

// Done reports whether the Outbound has ended (its SessionEnd went out, or it
// was closed).
func (o *Outbound) Done() bool { return o.state == outboundDone }

// Dial starts connecting to target ("host:port") on a goroutine.
func (o *Outbound) Dial(target string) {
	if o.state != outboundIdle {
		return
	}
	o.state = outboundDialing
	o.target = target
	o.s.Context().SetUpstream(target)
	o.s.Hold()
	o.s.OnClose(o.cleanup)
	o.dial()
}

// Write sends d (handed over): held while the connection is not up, queued
// on the socket once it is. Writes after End or the end are dropped.
func (o *Outbound) Write(d *event.Data) {
	if o.ending {
		return
	}
	switch o.state {
	case outboundDialing:
		if o.buf.Len()+d.Len() > o.opts.BufferLimit {
			o.Fail(event.BufferOverflow, fmt.Errorf("%w: %s %s: more than %d bytes before the connection is up",
				ErrBufferLimit, o.opts.Name, o.target, o.opts.BufferLimit))
			return
		}
		o.buf.PushData(d)
		if o.buf.Len() >= o.opts.BufferLimit/2 {
			o.pauseInput(true)
		}
	case outboundUp:
		if d.Len() == 0 {
			return
		}
		if o.watching() {
			now := o.s.Worker().BatchNow()
			o.lastSend = now
			if o.owedSince.IsZero() {
				o.owedSince = now
			}
			if o.sock.Queued() == 0 {
				o.lastProgress = now
			}
		}
		o.sock.Write(d)
	}
}

// OweNoAnswer turns the answer timeout off from now on: the connection has
// become a plain byte stream (an HTTP upgrade, a tunnel after CONNECT) on
// which bytes sent owe no answer. The other timeouts stay.
func (o *Outbound) OweNoAnswer() {
	o.opts.AnswerTimeout = 0
	o.owedSince = time.Time{}
}

// End half-closes the connection (TCP FIN, closing a process's input) once
// everything is written; what the remote sends still comes out. Before the
// connection is up, the half-close waits for it.
func (o *Outbound) End() {
	if o.ending || o.state == outboundDone {
		return
	}
	o.ending = true
	if o.state == outboundUp {
		o.sock.End(true)
	}
}

// EndWith is End, and e (an error the user's input ended with, such as a
// request refused by a decoder) goes out in place of the remote's clean
// end, after everything the remote sends: what is owed is still answered.
// Before Dial, e goes out at once.
func (o *Outbound) EndWith(e *event.SessionEnd) {
	if o.state == outboundIdle {
		o.Close(e)
		return
	}
	o.endWith = e
	o.End()
}

// Close closes the connection now and sends e out, if not nil, as the last
// event. It is how a user aborts (an input SessionEnd with an error).
func (o *Outbound) Close(e *event.SessionEnd) {
	if o.state == outboundDone {
		return
	}
	if o.state == outboundIdle {
		o.state = outboundDone
		if e != nil {
			o.out.Input(e)
		}
		return
	}
	if e == nil {
		o.state = outboundDone
		o.cleanup()
		o.s.Release()
		return
	}
	o.end(e)
}

// Fail ends the Outbound with a failure of kind, logged once with the
// target.
func (o *Outbound) Fail(kind event.ErrorKind, err error) {
	if o.state == outboundDone {
		return
	}
	o.s.Logger().Warn(o.opts.Name+": failed", "target", o.target, "kind", kind.String(), "err", err)
	o.end(event.End(kind, err))
}

// dial starts one dial attempt on a goroutine; dialed gets its result.
func (o *Outbound) dial() {
	if o.state != outboundDialing {
		return
	}
	o.attempts++
	o.timedOut = false
	ctx, cancel := context.WithCancel(context.Background())
	o.cancel = cancel
	results := make(chan dialResult, 1)
	o.results = results
	if d := o.opts.ConnectTimeout; d > 0 {
		o.timer = o.s.AfterFunc(d, func() { o.timedOut = true; cancel() })
	}
	dialer, target, cfg, alpn := o.opts.Dialer, o.target, o.opts.TLS, o.opts.ALPN
	o.spawn(func() {
		conn, err := dialer.DialContext(ctx, "tcp", target)
		if err == nil && cfg != nil {
			conn, err = clientTLS(ctx, conn, cfg, target, alpn)
		}
		results <- dialResult{conn, err}
		o.s.Post(o.dialed)
	})
}

func (o *Outbound) dialed() {
	if o.state != outboundDialing || o.results == nil {
		return
	}
	r := <-o.results
	o.results = nil
	o.cancel()
	o.stopTimer()
	if r.err != nil {
		kind, err := DialErrorKind(r.err), r.err
		if o.timedOut {
			kind, err = event.Timeout, fmt.Errorf("%w: %s %s: no connection after %v", ErrTimeout, o.opts.Name, o.target, o.opts.ConnectTimeout)
		}
		if n := o.opts.RetryCount; n < 0 || o.attempts <= n {
			upstream(o.target).retries.Add(1)
			o.s.Logger().Debug(o.opts.Name+": retrying", "target", o.target, "attempt", o.attempts, "err", err)
			o.timer = o.s.AfterFunc(o.opts.RetryDelay, o.dial)
			return
		}
		upstream(o.target).failed[kind].Add(1)
		o.Fail(kind, err)
		return
	}
	if o.relay != nil {
		o.state = outboundUp
		o.relay.connected(r.conn)
		return
	}
	o.up(r.conn)
}

// up starts the socket over nc and sends what was held.
func (o *Outbound) up(nc net.Conn) {
	o.state = outboundUp
	if tc, ok := nc.(tlsAbortConn); ok {
		o.alpn = tc.ConnectionState().NegotiatedProtocol
	}
	o.sock = NewOutboundSocket(o.s, nc, o.opts.Conn)
	o.sock.lend = borrows(o.out) // fromRemote hands Data straight to out
	o.sock.Start(TargetFunc(o.fromRemote), o.readerDone)
	if o.watching() {
		now := o.s.Worker().Now()
		o.lastRead, o.lastSend, o.lastProgress = now, now, now
		o.check()
	}
	if o.buf.Len() > 0 {
		d := o.buf.Shift(o.buf.Len())
		ending := o.ending
		o.ending = false
		o.Write(d)
		o.ending = ending
	}
	o.pauseInput(false) // from now on the socket's queue closes the valve
	if o.ending {
		o.sock.End(true)
	}
}

func (o *Outbound) watching() bool {
	p := &o.opts
	return p.AnswerTimeout > 0 || p.ReadTimeout > 0 || p.WriteTimeout > 0 || p.IdleTimeout > 0
}

// fromRemote receives what the socket reads: Data, then one SessionEnd.
func (o *Outbound) fromRemote(evt event.Event) {
	if o.state != outboundUp {
		return
	}
	switch e := evt.(type) {
	case *event.Data:
		if o.watch != nil {
			o.lastRead = o.s.Worker().BatchNow()
			o.owedSince = time.Time{}
		}
		o.out.Input(e)
	case *event.SessionEnd:
		if e.Err == event.NoError && o.endWith != nil {
			e = o.endWith
		} else if e.Err != event.NoError {
			o.s.Logger().Warn(o.opts.Name+": connection failed", "target", o.target, "kind", e.Err.String(), "err", e.Message)
		}
		o.end(e)
	}
}

// readerDone runs once the socket has stopped reading (on the worker, or on
// the socket's reader goroutine as it exits). When the socket was closed
// without an end of input (a connection that cannot half-close is closed
// whole once written), it ends the output normally.
func (o *Outbound) readerDone() {
	o.s.Post(func() { o.fromRemote(&event.SessionEnd{}) })
}

// check enforces the timeouts, then sets the timer for the next check.
func (o *Outbound) check() {
	o.watch = nil
	if o.state != outboundUp {
		return
	}
	p := &o.opts
	now := o.s.Worker().Now()
	if w := o.sock.Written(); w != o.lastWritten {
		o.lastWritten, o.lastProgress = w, now
	}
	next := time.Duration(1<<63 - 1)
	expired := func(what string, limit time.Duration, since time.Time) bool {
		left := limit - now.Sub(since)
		if left <= 0 {
			o.Fail(event.Timeout, fmt.Errorf("%w: %s %s: %s for %v", ErrTimeout, o.opts.Name, o.target, what, limit))
			return true
		}
		next = min(next, left)
		return false
	}
	if p.AnswerTimeout > 0 {
		if !o.owedSince.IsZero() && expired("no answer", p.AnswerTimeout, o.owedSince) {
			return
		}
		next = min(next, p.AnswerTimeout)
	}
	if p.ReadTimeout > 0 && expired("nothing read", p.ReadTimeout, o.lastRead) {
		return
	}
	if p.WriteTimeout > 0 {
		if o.sock.Queued() > 0 && expired("no write progress", p.WriteTimeout, o.lastProgress) {
			return
		}
		next = min(next, p.WriteTimeout)
	}
	last := o.lastRead
	if o.lastSend.After(last) {
		last = o.lastSend
	}
	if p.IdleTimeout > 0 && expired("idle", p.IdleTimeout, last) {
		return
	}
	o.watch = o.s.AfterFunc(next, o.check)
}

// end closes everything and sends e out as the last event.
func (o *Outbound) end(e *event.SessionEnd) {
	if o.state == outboundDone {
		return
	}
	o.state = outboundDone
	o.cleanup()
	o.out.Input(e)
	o.s.Release()
}

// pauseInput closes (on) or opens the context's Valve, once each way, which
// pauses or resumes the reading of the client's connections.
func (o *Outbound) pauseInput(on bool) {
	if o.paused == on {
		return
	}
	o.paused = on
	if on {
		o.s.Context().Valve().Pause()
	} else {
		o.s.Context().Valve().Resume()
	}
}

func (o *Outbound) stopTimer() {
	if o.timer != nil {
		o.timer.Stop()
		o.timer = nil
	}
}

// cleanup stops the timers, cancels a running dial (closing what it may
// still return), closes the connection (both, when relaying) and opens the
// valve if it closed it. It runs on end and on close.
func (o *Outbound) cleanup() {
	o.stopTimer()
	if o.watch != nil {
		o.watch.Stop()
		o.watch = nil
	}
	if o.results != nil {
		o.cancel()
		results := o.results
		o.spawn(func() { drainDial(results) })
		o.results = nil
	}
	if o.sock != nil {
		o.sock.Close()
	}
	if o.relay != nil {
		o.relay.stop()
	}
	o.buf.Reset()
	o.pauseInput(false)
	o.state = outboundDone
}

func drainDial(results chan dialResult) {
	if r := <-results; r.conn != nil {
		r.conn.Close()
	}
}
