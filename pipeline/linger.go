package pipeline

import (
	"io"
	"net"
	"os"
	"syscall"
	"time"
)

// Defaults for the lingering close of ConnOptions.
const (
	// DefaultLingerTimeout is the default ConnOptions.LingerTimeout (nginx's
	// lingering_timeout).
	DefaultLingerTimeout = 5 * time.Second
	// DefaultLingerTime is the default ConnOptions.LingerTime (nginx's
	// lingering_time).
	DefaultLingerTime = 30 * time.Second
)

// lingerState is the state of a lingering close: it exists only while the
// socket lingers, so that a socket that does not costs one nil pointer.
type lingerState struct {
	since          time.Time     // when the lingering began
	timeout, total time.Duration // LingerTimeout and LingerTime in force
}

// linger starts a lingering close, as nginx's lingering_close, in place of
// the close of an inbound socket whose stream ended (the server closes
// first) while its peer has not ended its side: it shuts the writing
// direction down (a FIN after everything written), and then reads and
// discards what arrives until the peer's end, until nothing arrives for
// LingerTimeout, or for LingerTime in all, and then closes. Closing a TCP
// socket with unread bytes in its receive buffer, or with bytes still
// arriving, makes the kernel answer with a reset, which may destroy the
// answer the client has not read yet (an early 413 or 400 while the client
// is still sending its body); lingering lets the client read it.
//
// It lingers on every close the server starts, not only after an error
// answer (nginx's "lingering_close on" rather than "auto"): the socket
// cannot tell whether the protocol layer left bytes unread, and a client
// that has sent everything ends its side as soon as it reads the server's
// end, which ends the lingering at once. It does not linger for an outbound
// socket, a TLS connection, a connection without a file descriptor, a
// timeout or an error close, nor once the server shuts down (Close ends a
// lingering socket at once). It reports whether it lingers; on the worker.
func (k *Socket) linger() bool {
	timeout, total := k.opts.LingerTimeout, k.opts.LingerTime
	if timeout < 0 || total < 0 || k.inEnded || k.rc == nil || k.target == nil ||
		(k.lingerOff != nil && k.lingerOff.Load()) {
		return false
	}
	tc, ok := k.nc.(*net.TCPConn)
	if !ok || tc.CloseWrite() != nil {
		return false
	}
	if timeout == 0 {
		timeout = DefaultLingerTimeout
	}
	if total == 0 {
		total = DefaultLingerTime
	}
	if k.timer != nil { // the idle and write timeouts no longer apply
		k.timer.Stop()
	}
	now := k.w.Now()
	k.lg = &lingerState{since: now, timeout: timeout, total: total}
	if k.w.lingering == nil {
		k.w.lingering = map[*Socket]struct{}{}
	}
	k.w.lingering[k] = struct{}{}
	k.lastActive = now
	if k.poll != nil {
		// The poller's reads of a parked socket come to lingerRead (see
		// pollRead); a socket parked for its closed valve goes back into
		// the set.
		wasParked := k.parked
		k.parked = true
		if wasParked {
			k.poll.arm(k, true)
		}
	}
	// A reader goroutine goes on reading: its reads, posted to the worker
	// from now on, note activity and are dropped; its end of input closes
	// (readEnded). What it posted to the stream before is dropped with the
	// stream: its count no longer holds the reader back.
	k.lingerOn.Store(true)
	k.inflight.Store(0)
	select {
	case k.room <- struct{}{}:
	default:
	}
	k.timer = k.w.AfterFunc(min(timeout, total), k.lingerTick)
	return true
}

// Lingering reports whether the socket is in its lingering close: the
// stream has ended, the socket has shut down its writing direction and
// discards what the peer still sends.
func (k *Socket) Lingering() bool { return k.lg != nil && !k.closed }

// closeLingering closes the worker's lingering sockets, as it stops.
func (w *Worker) closeLingering() {
	for k := range w.lingering {
		k.Close() // deletes k
	}
	w.RunPending()
}

// lingerTick closes a lingering socket once nothing has arrived for
// LingerTimeout, or once it has lingered for LingerTime; on the worker.
func (k *Socket) lingerTick() {
	k.timer = nil
	if k.closed {
		return
	}
	now := k.w.Now()
	left := min(k.lg.timeout-now.Sub(k.lastActive), k.lg.total-now.Sub(k.lg.since))
	if left <= 0 {
		k.Close()
		return
	}
	k.timer = k.w.AfterFunc(left, k.lingerTick)
}

// lingerRead discards what the poller found ready on a lingering socket, up
// to ReadAhead bytes (the rest in a later batch: the edge-triggered set does
// not report it again), and closes the socket at the peer's end or a read
// error; on the worker.
func (k *Socket) lingerRead() {
	n, err := discard(k.rc, k.opts.ReadAhead)
	if n > 0 {
		k.active()
		k.discarded()
	}
	switch {
	case err != nil:
		k.Close()
	case n >= k.opts.ReadAhead:
		k.readLater()
	}
}

// discarded notes that a lingering socket dropped what it read (for tests).
func (k *Socket) discarded() {
	if testHookLingerDiscard != nil {
		testHookLingerDiscard()
	}
}

// testHookLingerDiscard, when set by a test, runs each time a lingering
// socket drops what it read, on the worker.
var testHookLingerDiscard func()

// readEnded takes the end of input a reader goroutine read: into t, or, on
// a lingering socket, as the signal to close. On the worker.
func (k *Socket) readEnded(t Target, err error) {
	k.inEnded = true
	if k.lg != nil {
		k.Close()
		return
	}
	end := readEnd(err)
	k.s.runTask(func() { t.Input(end) })
}

// discard reads and drops up to budget bytes from rc without waiting, into a
// pooled buffer taken only for the call. It returns io.EOF at the end of
// input, and the error of a failed read.
func discard(rc syscall.RawConn, budget int) (n int, err error) {
	bp := readBuffers.Get().(*[]byte)
	defer readBuffers.Put(bp)
	cerr := rc.Read(func(fd uintptr) bool {
		for n < budget {
			m, e := rawRead(fd, *bp)
			switch {
			case e == syscall.EINTR:
				continue
			case e == syscall.EAGAIN:
				return true
			case e != nil:
				err = os.NewSyscallError("read", e)
				return true
			case m == 0:
				err = io.EOF
				return true
			}
			n += m
		}
		return true
	})
	if err == nil {
		err = cerr
	}
	return n, err
}
