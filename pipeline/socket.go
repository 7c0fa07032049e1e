package pipeline

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/sluice-go/sluice/event"
)

// ConnOptions bound the memory and time a connection may take. The zero value
// means the defaults.
type ConnOptions struct {
	// WriteHighWater is how many bytes may be queued for writing before the
	// connection's valve closes and reading on the other side pauses; 0 means
	// DefaultWriteHighWater. What is queued can pass the mark by what the
	// pipeline makes of the bytes already read when the valve closed: at most
	// ReadAhead plus three read buffers (16 KiB each) of input.
	WriteHighWater int
	// WriteLowWater is the queued size under which the valve opens again; 0
	// means a quarter of WriteHighWater.
	WriteLowWater int
	// ReadAhead is how many bytes read from the connection may wait for the
	// worker before reading stops; 0 means DefaultReadAhead.
	ReadAhead int
	// ReadTimeout ends the connection with a Timeout SessionEnd when nothing
	// arrives for that long, on the wall clock, whatever is in flight; 0
	// means no limit. Prefer IdleTimeout: a read timeout makes the socket
	// read on a goroutine of its own instead of the worker's poller.
	ReadTimeout time.Duration
	// WriteTimeout closes an inbound connection, with a Timeout SessionEnd
	// into its stream, when bytes are queued for it and none is written for
	// that long: a client that stops reading (nginx's send_timeout, 60 s).
	// Zero means DefaultWriteTimeout, a negative value no limit. It is timed
	// on the worker's clock. Outbound sockets leave it to their owner
	// (connect's own timeouts).
	WriteTimeout time.Duration
	// IdleTimeout closes an inbound connection, with a Timeout SessionEnd
	// into its stream, when it has been idle that long: before its first
	// byte and between requests (nginx's keepalive_timeout, 75 s). Idle
	// means no byte read, none written and none queued, and, when the
	// protocol layer tracks requests (Context.RequestTracker: HTTP/1), no
	// request in flight: a request waiting for a slow upstream is not idle,
	// whereas a plain byte stream (a TCP proxy) is idle when nothing moves
	// either way, however long the upstream takes. Zero means
	// DefaultIdleTimeout where a RequestTracker is set and
	// DefaultStreamIdleTimeout for a plain byte stream (database and other
	// long-lived connections sit idle between queries for minutes); a
	// negative value means no limit. It is timed on the
	// worker's clock. Outbound sockets ignore it, and so does a connection
	// handed to a relay (Outbound.Relay: connect alone): set IdleTimeout or
	// WriteTimeout explicitly to keep such a connection on the event path,
	// timed.
	IdleTimeout time.Duration
	// HeadTimeout and BodyTimeout are for the request decoder of the
	// connection's pipeline (decodeHttpRequest), which reads them from
	// Context.ConnOptions where its own setting is zero: the time a request
	// head may take from its first byte (408 after it, nginx's
	// client_header_timeout), and the time a request body may go without
	// progress (408, nginx's client_body_timeout). Zero means the decoder's
	// defaults (10 s and 30 s), a negative value no limit. The socket itself
	// ignores them.
	HeadTimeout, BodyTimeout time.Duration
	// HandshakeTimeout ends a TLS connection (a *tls.Conn: a Server with
	// TLS makes them, as does tls.NewListener) with a Timeout SessionEnd
	// when its handshake has not completed in that long, so that clients
	// which connect and send nothing cannot hold connections open; 0 means
	// DefaultHandshakeTimeout, a negative value no limit.
	HandshakeTimeout time.Duration
	// LingerTimeout and LingerTime bound the lingering close of an inbound
	// connection whose stream ended while its peer was still sending (an
	// early 413, 400 or 408): the socket shuts its writing direction down,
	// then reads and discards until the peer's end, until nothing arrives
	// for LingerTimeout (nginx's lingering_timeout), or for LingerTime in
	// all (nginx's lingering_time), and then closes, so that the peer reads
	// the answer instead of a reset. Zero means DefaultLingerTimeout and
	// DefaultLingerTime; a negative value in either means no lingering
	// (close at once). Timed on the worker's clock. Outbound sockets never
	// linger. See Socket.Lingering.
	LingerTimeout, LingerTime time.Duration
}

// Defaults for ConnOptions.
const (
	DefaultWriteHighWater = 1 << 20
	DefaultReadAhead      = 64 << 10
	// DefaultHandshakeTimeout is the default ConnOptions.HandshakeTimeout.
	DefaultHandshakeTimeout = 10 * time.Second
	// DefaultIdleTimeout is the default ConnOptions.IdleTimeout of a
	// connection whose protocol layer tracks requests (nginx's
	// keepalive_timeout).
	DefaultIdleTimeout = 75 * time.Second
	// DefaultStreamIdleTimeout is the default ConnOptions.IdleTimeout of a
	// plain byte stream (nginx's stream proxy_timeout).
	DefaultStreamIdleTimeout = 10 * time.Minute
	// DefaultWriteTimeout is the default ConnOptions.WriteTimeout (nginx's
	// send_timeout).
	DefaultWriteTimeout = 60 * time.Second
	readBufferSize      = 16 << 10
)

func (o ConnOptions) withDefaults() ConnOptions {
	if o.WriteHighWater <= 0 {
		o.WriteHighWater = DefaultWriteHighWater
	}
	if o.WriteLowWater <= 0 || o.WriteLowWater > o.WriteHighWater {
		o.WriteLowWater = o.WriteHighWater / 4
	}
	if o.ReadAhead <= 0 {
		o.ReadAhead = DefaultReadAhead
	}
	if o.HandshakeTimeout == 0 {
		o.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if o.WriteTimeout == 0 {
		o.WriteTimeout = DefaultWriteTimeout
	}
	return o
}

// pollerOff, set by tests, makes sockets run reader goroutines where a
// worker's poller could read them.
var pollerOff atomic.Bool

// pollersMade counts the pollers made, and parkedPolls the times a poller
// reported a socket it was told to stop waiting for, for tests.
var pollersMade, parkedPolls atomic.Int64

var readBuffers = sync.Pool{New: func() any { b := make([]byte, readBufferSize); return &b }}

// Socket joins a net.Conn to a stream on a worker: what arrives goes
// through the stream as Data, then one SessionEnd; Write queues bytes that
// the worker writes in one vectored write per batch, without blocking. An
// inbound socket reads while the context's Valve is open, an outbound one
// while its ReturnValve is. Past the high water mark, an outbound socket
// pauses Valve (the client waits, the upstream is still drained) and an
// inbound one both (the pipeline may answer the client from what it reads).
//
// Start, Write, End and Close are called on the stream's worker.
type Socket struct {
	nc   net.Conn
	rc   syscall.RawConn // nil when nc has no file descriptor
	s    *Stream
	w    *Worker
	rv   *Valve   // waited on before reading
	wv   []*Valve // closed while the write queue is too long
	opts ConnOptions

	// Reader side: shared with the reader goroutine, if any.
	inflight atomic.Int64
	room     chan struct{}
	done     chan struct{} // closed when the socket is closed
	onDone   func()
	target   Target // what Start was given: where a write failure is reported
	// live counts the socket's goroutines and poller registration, plus one
	// until Close. When it drops to zero (the socket is closed and nothing
	// of it runs any more) gone is closed and finished, if set, runs.
	live     atomic.Int32
	gone     chan struct{}
	finished func()
	rr       *rawReader
	uncount  func() // an outbound socket's CountOutbound
	// lingerOff, if set and true, stops the socket from lingering (a
	// server shutting down).
	lingerOff *atomic.Bool
	// relayable: an inbound socket whose options leave its connection free
	// to be handed to a relay (no read, write or idle timeout set); handed:
	// it was (see handOver).
	relayable, handed bool

	// Read by the worker's poller instead of a goroutine (on the worker).
	poll   *poller
	pollID uint64
	fd     int
	parked bool        // the valve is closed: not waiting for input
	in     event.Event // what pollRead hands to input
	inFn   func()      // input, bound once
	pollFn func()      // pollRead, bound once when first needed (readLater)
	// peerEnd is set once the poller reported the peer's end or an error:
	// the end of input may wait behind bytes, with no report of its own to
	// come, so reads go on until it (or EAGAIN).
	peerEnd bool
	// lend is set when the reads the poller makes may be lent to the
	// target (it is a Borrower that borrows), instead of copied.
	lend bool

	// The worker's list of its started sockets not yet closed, which it
	// closes as it stops (see Worker.stop).
	wprev, wnext *Socket
	listed       bool

	inEnded bool         // the end of input was read (on the worker)
	lg      *lingerState // set while lingering (see linger)
	// lingerOn is set with lg, for the reader goroutine to post what it
	// reads to the worker, not to the ended stream.
	lingerOn atomic.Bool

	// Timeouts (inbound sockets), on the worker: one timer checks both.
	timer      Timer
	lastActive time.Time    // the last byte read or written
	lastWrite  time.Time    // the last write progress, or when the queue filled
	wprog      atomic.Int64 // bytes the writer goroutine has written so far
	seenProg   int64        // wprog at the last check

	// Writer side, on the worker.
	pending   net.Buffers
	queued    int
	asked     bool // a flush is scheduled
	writing   bool // a writer goroutine owns some bytes
	congested bool
	ending    bool // End was called: close once everything is written
	halfClose bool
	closed    bool
	written   int64
	peak      int
	counts    *serverCounts // an inbound socket's server's, to count bytes in; nil: not counted
}

// NewSocket joins nc, an inbound connection (one the stream serves), to
// stream s. Nothing is read until Start.
func NewSocket(s *Stream, nc net.Conn, opts ConnOptions) *Socket {
	k := newSocket(s, nc, opts, s.ctx.Valve(), s.ctx.Valve(), s.ctx.ReturnValve())
	k.relayable = opts.ReadTimeout == 0 && opts.WriteTimeout <= 0 && opts.IdleTimeout <= 0
	return k
}

// NewOutboundSocket joins nc, an outbound connection (one the stream opened
// to an upstream, as connect does), to stream s. Nothing is read until Start.
func NewOutboundSocket(s *Stream, nc net.Conn, opts ConnOptions) *Socket {
	opts.IdleTimeout, opts.WriteTimeout = -1, -1 // the owner times its connection
	opts.LingerTimeout = -1                      // the server closes first only when done with it
	k := newSocket(s, nc, opts, s.ctx.ReturnValve(), s.ctx.Valve())
	k.uncount = CountOutbound(remoteAddr(nc))
	return k
}

func remoteAddr(nc net.Conn) string {
	if a := nc.RemoteAddr(); a != nil {
		return a.String()
	}
	return "?"
}

func newSocket(s *Stream, nc net.Conn, opts ConnOptions, rv *Valve, wv ...*Valve) *Socket {
	k := &Socket{
		nc: nc, s: s, w: s.w, rv: rv, wv: wv, opts: opts.withDefaults(),
		room: make(chan struct{}, 1), done: make(chan struct{}), gone: make(chan struct{}),
	}
	k.live.Store(1)
	if sc, ok := nc.(syscall.Conn); ok && haveRaw {
		if rc, err := sc.SyscallConn(); err == nil {
			k.rc = rc
		}
	}
	return k
}

// Conn returns the socket's connection.
func (k *Socket) Conn() net.Conn { return k.nc }

// Start starts reading: Data events, then one SessionEnd (no error at EOF,
// ReadError or Timeout on failure), go to t on the stream's worker. onDone,
// if not nil, runs once reading has stopped (at the end of input, or when
// the socket closes), on the worker or on a reader goroutine. Call it on the
// worker.
//
// On Linux, a socket with a file descriptor and no ReadTimeout is read by
// its worker's epoll set (see poller); any other runs a reader goroutine.
//
// An inbound socket started with its own stream as t becomes the stream's
// inbound socket (Stream.Inbound).
func (k *Socket) Start(t Target, onDone func()) {
	k.onDone = onDone
	k.target = t
	k.w.listSocket(k)
	if k.relayable && t == Target(k.s) {
		k.s.inbound = k
	}
	k.ref()
	if k.opts.IdleTimeout >= 0 || k.opts.WriteTimeout > 0 {
		now := k.w.Now()
		k.lastActive, k.lastWrite = now, now
		k.tick()
	}
	if k.rc != nil && k.opts.ReadTimeout == 0 {
		if p := k.w.pollerFor(); p != nil && p.add(k) {
			k.poll, k.inFn, k.rr = p, k.input, newRawReader()
			k.rr.lend = k.lend || borrows(t)
			return
		}
	}
	go k.readLoop(t)
}

// pollRead reads what the poller found ready, on the worker, and runs it
// through the stream at once: Data, then the SessionEnd of the input. While
// reads fill the whole buffer (a bulk transfer), it reads again, up to
// ReadAhead bytes in all, so that a batch carries more than one buffer.
//
// The poller is edge-triggered: it reports the socket again only for what
// arrives from now on. So pollRead stops only where nothing is left unread
// unknown to it: a short read (or EAGAIN), the end of input or an error, a
// closed valve (parked: put back in the set when it opens, which reports
// what waits), lingering (lingerRead reads on). When the ReadAhead is spent
// with the last read full, it reads on in a task of its own, in a later
// batch. Once the peer's end was reported, it reads until the end (or
// EAGAIN): no report is left to come for it.
func (k *Socket) pollRead() {
	if k.parked && k.lg == nil {
		parkedPolls.Add(1)
		return
	}
	for budget := k.opts.ReadAhead; budget > 0; budget -= readBufferSize {
		if k.closed || k.poll == nil {
			return
		}
		if k.lg != nil { // lingering: parked for the stream, read to discard
			k.lingerRead()
			return
		}
		if k.parked {
			return
		}
		if !k.rv.IsOpen() {
			k.park()
			return
		}
		r := k.rr
		err := k.rc.Read(r.onceFn)
		d, rerr := r.d, r.err
		r.d, r.err = nil, nil
		if err != nil {
			rerr = err
		}
		if d == nil && rerr == nil {
			return // EAGAIN: drained
		}
		full := d != nil && d.Len() == readBufferSize
		if d != nil {
			k.active()
			k.countIn(int64(d.Len()))
			k.in = d
			k.s.runTask(k.inFn)
			k.in = nil
			r.giveBack()
		}
		if rerr != nil {
			k.endInput(rerr)
			return
		}
		if !full && !k.peerEnd {
			return
		}
	}
	k.readLater()
}

// readLater reads the socket again in a later batch of the worker, as if
// the poller had reported it: its ReadAhead is spent with bytes left, which
// the edge-triggered set does not report again.
func (k *Socket) readLater() {
	if k.pollFn == nil {
		k.pollFn = k.pollRead
	}
	k.w.post(task{fn: k.pollFn})
}

// endInput runs the SessionEnd of the input for err (unless the socket was
// closed) and takes the socket out of the poller.
func (k *Socket) endInput(err error) {
	k.inEnded = true
	if k.lg != nil {
		k.Close() // takes it out of the poller
		return
	}
	if !k.closed {
		k.in = readEnd(err)
		k.s.runTask(k.inFn)
	}
	k.pollEnd()
}

// pollFailed ends the input with a ReadError when the poller can no longer
// wait for the socket.
func (k *Socket) pollFailed(err error) {
	if k.poll != nil {
		k.endInput(&net.OpError{Op: "read", Net: "tcp", Err: err})
	}
}

func (k *Socket) input() {
	e := k.in
	k.in = nil
	k.target.Input(e)
}

// park stops waiting for input while the valve is closed, and starts again
// once it opens.
func (k *Socket) park() {
	k.parked = true
	k.poll.arm(k, false)
	k.ref()
	go func() {
		defer k.unref()
		if !k.rv.Wait(k.done) {
			return
		}
		k.w.Post(func() {
			if k.parked && k.poll != nil && !k.closed && k.lg == nil {
				k.parked = false
				k.poll.arm(k, true)
			}
		})
	}()
}

// pollEnd takes the socket out of the poller: reading has stopped.
func (k *Socket) pollEnd() {
	p := k.poll
	if p == nil {
		return
	}
	k.poll = nil
	p.remove(k)
	k.unref()
	if k.onDone != nil {
		k.onDone()
	}
}

func (k *Socket) readLoop(t Target) {
	defer func() {
		k.unref()
		if k.onDone != nil {
			k.onDone()
		}
	}()
	if err := k.handshake(); err != nil {
		k.postEnd(t, err)
		return
	}
	if tc, ok := k.nc.(*tls.Conn); ok {
		if p := tc.ConnectionState().NegotiatedProtocol; p != "" {
			// before the first input: the worker runs its tasks in order
			k.s.Post(func() { k.s.Context().root.alpn = p })
		}
	}
	for {
		if !k.rv.Wait(k.done) {
			return
		}
		for k.inflight.Load() >= int64(k.opts.ReadAhead) {
			select {
			case <-k.room:
			case <-k.done:
				return
			}
		}
		if k.opts.ReadTimeout > 0 {
			k.nc.SetReadDeadline(time.Now().Add(k.opts.ReadTimeout))
		}
		d, err := k.read()
		if d != nil {
			n := int64(d.Len())
			k.inflight.Add(n)
			fn := func() {
				k.active()
				k.countIn(n)
				if k.inflight.Add(-n) < int64(k.opts.ReadAhead) {
					select {
					case k.room <- struct{}{}:
					default:
					}
				}
				if k.lg != nil {
					k.discarded() // lingering: dropped
					return
				}
				t.Input(d)
			}
			if k.lingerOn.Load() {
				k.w.Post(fn) // the stream has ended: it would drop fn
			} else {
				k.s.Post(fn)
			}
		}
		if err != nil {
			k.postEnd(t, err)
			return
		}
	}
}

// postEnd posts the SessionEnd of the input for err to t, unless the socket
// was closed (then err is only the closing seen from the reader).
func (k *Socket) postEnd(t Target, err error) {
	select {
	case <-k.done:
		return
	default:
	}
	k.w.Post(func() { k.readEnded(t, err) }) // also once the stream has ended
}

// handshake completes the TLS handshake of a TLS connection within
// HandshakeTimeout (when negative, within the ReadTimeout the first read
// would have had, if any) before the first read, so that the negotiated
// protocol is known before any input (a no-op once it is complete); other
// connections have nothing to do.
func (k *Socket) handshake() error {
	tc, ok := k.nc.(*tls.Conn)
	if !ok {
		return nil
	}
	d := k.opts.HandshakeTimeout
	if d < 0 {
		d = k.opts.ReadTimeout
	}
	if d > 0 {
		k.nc.SetReadDeadline(time.Now().Add(d))
	}
	if err := tc.Handshake(); err != nil {
		return err
	}
	return k.nc.SetReadDeadline(time.Time{})
}

// read reads what is there, taking a buffer only once the connection is
// readable, so that an idle connection holds none.
func (k *Socket) read() (*event.Data, error) {
	if k.rc == nil {
		bp := readBuffers.Get().(*[]byte)
		n, err := k.nc.Read(*bp)
		d := takeBuffer(bp, n)
		if err == nil && n == 0 {
			err = io.ErrNoProgress
		}
		return d, err
	}
	if k.rr == nil {
		k.rr = newRawReader()
	}
	r := k.rr
	r.lend = false // posted to the worker: a buffer cannot come back in time
	err := k.rc.Read(r.fn)
	d, rerr := r.d, r.err
	r.d, r.err = nil, nil
	if err != nil {
		return nil, err
	}
	return d, rerr
}

// rawReader reads straight from the descriptor, for the reader goroutine or
// the worker's poller. It is made once per socket, so that a read allocates
// no callback.
type rawReader struct {
	d      *event.Data
	err    error
	lend   bool                  // small reads are lent (loan), not copied
	loan   event.Loan            // lends d when lent
	lentBp *[]byte               // the buffer lent, until giveBack
	fn     func(fd uintptr) bool // read, bound once
	onceFn func(fd uintptr) bool // once, bound once
}

func newRawReader() *rawReader {
	r := &rawReader{}
	r.fn, r.onceFn = r.read, r.once
	return r
}

// read is the callback of RawConn.Read for a reader goroutine: it reads once
// into d or err, and returns false when there was nothing to read, for
// RawConn.Read to wait for the descriptor to be readable and call again.
//
// So each message on a request-response connection costs a read that finds
// nothing (EAGAIN) before Go's poller is waited on. Staying in RawConn.Read
// after a short read (waiting for the next readiness instead of reading)
// would save it, but loses the end of input: a FIN that arrives with the last
// data gives no readiness of its own, and the connection hangs. The worker's
// poller (Linux) avoids that read with an epoll set that reports the peer's
// end (EPOLLRDHUP) with the data it came with.
func (r *rawReader) read(fd uintptr) bool {
	for {
		bp := readBuffers.Get().(*[]byte)
		n, err := rawRead(fd, *bp)
		if err == nil && n > 0 {
			if r.lend && n < readBufferSize/2 {
				r.d, r.lentBp = r.loan.Lend((*bp)[:n]), bp
			} else {
				r.d = takeBuffer(bp, n)
			}
			return true
		}
		readBuffers.Put(bp)
		switch err {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		case nil:
			r.err = io.EOF
		default:
			r.err = &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", err)}
		}
		return true
	}
}

// giveBack takes back the buffer lent by the last read, if it was: the
// Input call that got it has returned.
func (r *rawReader) giveBack() {
	if r.lentBp == nil {
		return
	}
	if r.loan.End() {
		readBuffers.Put(r.lentBp)
	}
	r.lentBp = nil
}

// once is the callback of RawConn.Read for a socket its poller found ready:
// it reads once, as read does, and never waits.
func (r *rawReader) once(fd uintptr) bool {
	r.read(fd)
	return true
}

// takeBuffer turns the first n bytes of a pooled buffer into Data: a large
// read keeps the buffer, a small one is copied out so the buffer goes back.
func takeBuffer(bp *[]byte, n int) *event.Data {
	if n <= 0 {
		readBuffers.Put(bp)
		return nil
	}
	if n >= readBufferSize/2 {
		return event.FromBytes((*bp)[:n])
	}
	d := event.FromCopy((*bp)[:n]) // with the Data: one allocation
	readBuffers.Put(bp)
	return d
}

func readEnd(err error) *event.SessionEnd {
	switch {
	case errors.Is(err, io.EOF):
		return &event.SessionEnd{}
	case errors.Is(err, os.ErrDeadlineExceeded):
		return event.End(event.Timeout, err)
	}
	return event.End(event.ReadError, err)
}

// Write queues d's bytes (d is handed over). They are written when the
// worker flushes. Writes after End or Close, or once the connection is
// handed to a relay, are dropped.
func (k *Socket) Write(d *event.Data) {
	if k.ending || k.closed || k.handed || d.Len() == 0 {
		return
	}
	if k.queued == 0 && k.timer != nil {
		k.lastWrite = k.w.BatchNow() // the write clock starts
	}
	k.pending = append(k.pending, d.Chunks()...)
	k.queued += d.Len()
	k.peak = max(k.peak, k.queued)
	if !k.congested && k.queued > k.opts.WriteHighWater {
		k.congested = true
		k.closeValves()
	}
	k.flushLater()
}

func (k *Socket) flushLater() {
	if !k.asked {
		k.asked = true
		k.w.FlushLater(k)
	}
}

func (k *Socket) closeValves() {
	for _, v := range k.wv {
		v.Pause()
	}
}

func (k *Socket) openValves() {
	for _, v := range k.wv {
		v.Resume()
	}
}

// Queued returns how many bytes wait to be written.
func (k *Socket) Queued() int { return k.queued }

// PeakQueued returns the most bytes that were ever queued at once.
func (k *Socket) PeakQueued() int { return k.peak }

// Written returns how many bytes have been written.
func (k *Socket) Written() int64 { return k.written }

// End closes the connection once everything queued is written. With half
// set, it only closes the writing direction (TCP FIN) and goes on reading.
// An inbound TCP socket whose peer has not ended its side closes lingering
// (see ConnOptions.LingerTimeout).
func (k *Socket) End(half bool) {
	if k.ending || k.closed {
		return
	}
	if k.handed {
		k.Close() // the relay has closed the connection, or will
		return
	}
	k.ending, k.halfClose = true, half
	k.flushLater()
}

// Flush writes what is queued without blocking the worker. It is called by
// the worker at the end of a batch.
func (k *Socket) Flush() {
	k.asked = false
	if k.closed || k.writing {
		return
	}
	if len(k.pending) > 0 && k.rc != nil {
		n, err := writeNow(k.rc, k.pending)
		k.wrote(n)
		if err != nil {
			k.fail(err)
			return
		}
	}
	if len(k.pending) > 0 {
		bufs := k.pending
		k.pending = nil
		k.writing = true
		k.ref()
		go k.writeLoop(bufs)
		return
	}
	if k.ending {
		k.finish()
	}
}

func (k *Socket) wrote(n int) {
	if n > 0 && k.timer != nil {
		k.lastWrite = k.w.BatchNow()
		k.lastActive = k.lastWrite
	}
	k.written += int64(n)
	k.countOut(int64(n))
	k.queued -= n
	done := 0 // buffers written whole
	for done < len(k.pending) && len(k.pending[done]) <= n {
		n -= len(k.pending[done])
		done++
	}
	if done < len(k.pending) && n > 0 {
		k.pending[done] = k.pending[done][n:]
	}
	// Move what is left to the front, keeping the array for the next batch
	// (large queues are let go).
	left := copy(k.pending, k.pending[done:])
	clear(k.pending[left:])
	k.pending = k.pending[:left]
	if left == 0 && cap(k.pending) > 64 {
		k.pending = nil
	}
	if k.congested && k.queued <= k.opts.WriteLowWater {
		k.congested = false
		k.openValves()
	}
}

func (k *Socket) writeLoop(bufs net.Buffers) {
	defer k.unref()
	total := 0
	for _, b := range bufs {
		total += len(b)
	}
	// Written in groups of up to writeGroup bytes, so that the write
	// timeout sees the progress of a long write to a slow reader.
	var n int64
	var err error
	for len(bufs) > 0 && err == nil {
		g, size := bufs, 0
		for i, b := range bufs {
			if size += len(b); size >= writeGroup {
				g = bufs[:i+1]
				break
			}
		}
		bufs = bufs[len(g):]
		var m int64
		m, err = g.WriteTo(k.nc)
		n += m
		k.wprog.Add(m)
	}
	k.w.Post(func() {
		k.writing = false
		if n > 0 && k.timer != nil {
			k.lastWrite = k.w.BatchNow()
			k.lastActive = k.lastWrite
		}
		k.queued -= int(n)
		k.written += n
		k.countOut(n)
		if k.congested && k.queued <= k.opts.WriteLowWater {
			k.congested = false
			k.openValves()
		}
		if err != nil {
			k.fail(err)
			return
		}
		k.Flush()
	})
}

func (k *Socket) finish() {
	if k.halfClose {
		type closeWriter interface{ CloseWrite() error }
		if cw, ok := k.nc.(closeWriter); ok {
			cw.CloseWrite()
			return
		}
	}
	if k.linger() {
		return
	}
	k.Close()
}

// fail closes the socket after a write error and reports it as a WriteError
// SessionEnd to the reader's target (the one given to Start, which receives
// this socket's end of input), or into the stream before Start.
func (k *Socket) fail(err error) {
	if k.closed {
		return
	}
	k.Close()
	end := event.End(event.WriteError, err)
	if k.target != nil {
		k.target.Input(end)
		return
	}
	k.s.Input(end)
}

// writeGroup is how many bytes a writer goroutine writes before it reports
// progress.
const writeGroup = 64 << 10

// active notes that a byte was read, for the idle timeout.
func (k *Socket) active() {
	if k.timer != nil {
		k.lastActive = k.w.BatchNow()
	}
}

// tick enforces IdleTimeout and WriteTimeout, then sets the timer for the
// next check. It runs on the worker.
func (k *Socket) tick() {
	k.timer = nil
	if k.closed {
		return
	}
	now := k.w.Now()
	if p := k.wprog.Load(); p != k.seenProg {
		k.seenProg, k.lastWrite, k.lastActive = p, now, now
	}
	next := time.Duration(1<<63 - 1)
	if w := k.opts.WriteTimeout; w > 0 {
		if k.queued > 0 {
			left := w - now.Sub(k.lastWrite)
			if left <= 0 {
				k.timeout(fmt.Errorf("%w: nothing written for %v", ErrWriteTimeout, w))
				return
			}
			next = left
		} else {
			next = w
		}
	}
	if idle := k.idleTimeout(); idle > 0 {
		if k.queued > 0 || k.busy() {
			next = min(next, idle)
		} else {
			left := idle - now.Sub(k.lastActive)
			if left <= 0 {
				k.timeout(fmt.Errorf("%w: idle for %v", ErrIdleTimeout, idle))
				return
			}
			next = min(next, left)
		}
	}
	k.timer = k.w.AfterFunc(next, k.tick)
}

// idleTimeout returns the IdleTimeout in force: the one set, or the
// default for the kind of stream (one that tracks requests, or a plain one).
func (k *Socket) idleTimeout() time.Duration {
	switch {
	case k.opts.IdleTimeout != 0:
		return k.opts.IdleTimeout
	case k.s.ctx.RequestTracker() != nil:
		return DefaultIdleTimeout
	}
	return DefaultStreamIdleTimeout
}

// busy reports whether the stream's protocol layer has a request in flight.
func (k *Socket) busy() bool {
	t := k.s.ctx.RequestTracker()
	return t != nil && !k.s.Ended() && t.Busy()
}

// timeout closes the socket and reports err as a Timeout SessionEnd to the
// reader's target, as fail does for a write error.
func (k *Socket) timeout(err error) {
	k.Close()
	end := event.End(event.Timeout, err)
	t := k.target
	if t == nil {
		t = k.s
	}
	k.s.runTask(func() { t.Input(end) })
}

// Close closes the connection now, dropping what is queued.
func (k *Socket) Close() {
	if k.closed {
		return
	}
	if k.timer != nil {
		k.timer.Stop()
		k.timer = nil
	}
	if k.poll != nil {
		k.pollEnd() // before the descriptor closes
	}
	if k.lg != nil {
		delete(k.w.lingering, k)
	}
	k.w.unlistSocket(k)
	k.closed = true
	if k.congested {
		k.congested = false
		k.openValves()
	}
	k.pending = nil
	k.queued = 0
	if tc, ok := k.nc.(*tls.Conn); ok {
		// tls.Conn.Close writes a close_notify alert, which may wait up to
		// 5 s for a peer that stopped reading: not on the worker. Wait
		// covers it.
		k.ref()
		close(k.done)
		go func() {
			defer k.unref()
			tc.Close()
		}()
	} else {
		close(k.done)
		if !k.handed { // else the relay closes it
			k.nc.Close()
		}
	}
	k.unref() // the count held until Close
}

// Wait blocks until the socket is closed and its goroutines have exited.
// Call it off the worker.
func (k *Socket) Wait() { <-k.gone }

// ref counts a goroutine of the socket's, or its place in the poller;
// unref uncounts it.
func (k *Socket) ref() { k.live.Add(1) }

func (k *Socket) unref() {
	if k.live.Add(-1) == 0 {
		close(k.gone)
		if k.uncount != nil {
			k.uncount()
		}
		if k.finished != nil {
			k.finished()
		}
	}
}

// handOver gives the socket's connection to a relay (Outbound.Relay) and
// returns it, with its raw descriptor: the socket stops reading (what it
// read is already in the stream) and timing, drops what is written to it
// from now on, and leaves closing the connection to the relay. It stays
// open (Wait, a server's count of connections) until both Close and the
// relay's unref have been called. ok is false, and nothing changes, when
// the connection cannot be handed over as is: not an inbound socket read
// by the worker's poller (a TLS connection, a read timeout, a system
// without one), a read, write or idle timeout set, bytes still queued or
// being written, reading paused, lingering, ended or closed. On the worker.
func (k *Socket) handOver() (tc *net.TCPConn, rc syscall.RawConn, ok bool) {
	tc, isTCP := k.nc.(*net.TCPConn)
	if !isTCP || !k.relayable || k.handed || k.closed || k.ending || k.poll == nil || k.parked ||
		k.lg != nil || k.queued > 0 || k.writing {
		return nil, nil, false
	}
	k.handed = true
	if k.timer != nil {
		k.timer.Stop()
		k.timer = nil
	}
	k.pollEnd()
	k.ref() // given back by the relay's unref
	return tc, k.rc, true
}
