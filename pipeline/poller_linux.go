package pipeline

import (
	"os"
	"sync"
	"syscall"
)

// poller is a worker's own epoll set (edge-triggered) of the sockets it reads.
// A watcher goroutine waits, through Go's network poller, for the set to have
// ready sockets, and hands them to the worker in one task; the worker reads
// each and runs what it read through its stream, in the same batch as the
// writes that answer it, and goes on polling the set itself after each batch
// until it finds nothing ready (in Worker.Run; RunPending hands the set back to
// the watcher after each batch instead). Per message that is one read and one
// write, against a reader goroutine's extra read that finds nothing before it
// can wait (Go's poller cannot wait without trying first). The set exists while
// it holds sockets: the last one leaving closes it and stops the watcher.
//
// Edge-triggered, the set reports a socket once per arrival, and forgets it
// once reported: a level-triggered one keeps it on its ready list, and looks at
// it again (one more poll of the socket in the kernel) at the next wait, which
// was most often our own poll after the batch that read it. So a socket the
// set reported is read until it is drained — a short read (TCP hands over all
// it has: anything arriving later is reported anew), the end of input, or an
// error — or else read again later without a report: a socket that fills its
// ReadAhead goes on in a later batch (see pollRead), a lingering one likewise
// (lingerRead), a paused one is taken out of the set and put back (arm), which
// reports it if it is ready. Once the set has reported the peer's end
// (EPOLLRDHUP, EPOLLHUP, EPOLLERR), a short read no longer drains it: the end
// of input still waits behind the bytes, with no report of its own to come, so
// the socket is read until the end or EAGAIN (Socket.peerEnd).
type poller struct {
	w     *Worker
	epfd  int
	file  *os.File // epfd, for Go's poller to wait on
	socks map[uint64]*Socket
	next  uint64
	ready []syscall.EpollEvent // ready sockets, for process
	// done hands the set back to the watcher: false when the worker found
	// it empty, true when the worker did not look (the watcher asks again).
	done chan bool
	// polling is set while the worker polls the set after its batches
	// (the watcher waits meanwhile). On the worker.
	polling bool
	stop    chan struct{} // closed when the set closes
	fn      func()        // process, bound once
	// mu makes the watcher's taking of reports and posting them one step
	// for hasReady, which must see them either in the set or posted.
	mu sync.Mutex
}

// pollerFor returns w's poller, making it if needed; nil where one cannot be
// made (the socket then reads with a goroutine).
func (w *Worker) pollerFor() *poller {
	if w.poll != nil {
		return w.poll
	}
	if pollerOff.Load() {
		return nil
	}
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil
	}
	if err := syscall.SetNonblock(epfd, true); err != nil {
		syscall.Close(epfd)
		return nil
	}
	p := &poller{
		w: w, epfd: epfd, file: os.NewFile(uintptr(epfd), "epoll"),
		socks: map[uint64]*Socket{},
		ready: make([]syscall.EpollEvent, 128),
		done:  make(chan bool, 1), stop: make(chan struct{}),
	}
	rc, err := p.file.SyscallConn()
	if err != nil {
		p.file.Close()
		return nil
	}
	p.fn = p.process
	w.poll = p
	pollersMade.Add(1)
	go p.watch(rc)
	return p
}

// add starts reading k through the set; false if the descriptor cannot join
// it. On the worker.
func (p *poller) add(k *Socket) bool {
	p.next++
	id := p.next
	ok := false
	k.rc.Control(func(fd uintptr) {
		ev := syscall.EpollEvent{Events: pollEvents}
		setEventID(&ev, id)
		if syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_ADD, int(fd), &ev) == nil {
			k.fd, ok = int(fd), true
		}
	})
	if !ok {
		if len(p.socks) == 0 {
			p.close()
		}
		return false
	}
	k.pollID = id
	p.socks[id] = k
	return true
}

// remove stops reading k through the set, before its descriptor closes.
func (p *poller) remove(k *Socket) {
	if _, ok := p.socks[k.pollID]; !ok {
		return
	}
	delete(p.socks, k.pollID)
	if !k.parked || k.lg != nil { // a lingering socket is in the set
		syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_DEL, k.fd, nil)
	}
	if len(p.socks) == 0 {
		p.close()
	}
}

// pollEvents is what the set waits for on each socket: input, the peer's
// end, edge-triggered (hang-ups and errors are reported anyway).
const pollEvents = syscall.EPOLLIN | syscall.EPOLLRDHUP | -syscall.EPOLLET

// peerEndEvents are the events that report the peer's end or an error.
const peerEndEvents = syscall.EPOLLRDHUP | syscall.EPOLLHUP | syscall.EPOLLERR

// arm starts or stops waiting for k to be readable (a closed valve stops
// it, so that bytes left unread wait in the kernel without reports).
// Stopping takes the descriptor out of the set, since a set reports a hang-up
// or an error even to a descriptor that waits for nothing; starting puts it
// back, and the set reports it at once if it is ready (bytes or the end
// arrived meanwhile, or were left unread).
func (p *poller) arm(k *Socket, on bool) {
	if !on {
		syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_DEL, k.fd, nil)
		return
	}
	ev := syscall.EpollEvent{Events: pollEvents}
	setEventID(&ev, k.pollID)
	if err := syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_ADD, k.fd, &ev); err != nil {
		k.parked = true // not in the set
		p.w.post(task{fn: func() { k.pollFailed(os.NewSyscallError("epoll_ctl", err)) }})
	}
}

// closeAll closes the sockets still in the set, which closes the set. The
// worker does it as it stops, so that no watcher outlives it.
func (p *poller) closeAll() {
	for _, k := range p.socks {
		k.Close()
	}
}

func (p *poller) close() {
	if p.w.poll == p {
		p.w.poll = nil
	}
	close(p.stop)
	p.file.Close() // returns once the watcher has let go of the descriptor
}

// watch hands the ready sockets to the worker while the worker is not
// polling the set itself, until the set closes. It asks the set before it
// waits (reports may have come while the worker had the set), and waits
// within one RawConn.Read call, which keeps every readiness Go's poller
// reports from then on, also while the worker was polling.
func (p *poller) watch(rc syscall.RawConn) {
	rc.Read(func(fd uintptr) bool {
		for {
			select {
			case <-p.stop:
				return true
			default:
			}
			p.mu.Lock()
			n, err := syscall.EpollWait(int(fd), p.ready[:cap(p.ready)], 0)
			if err == nil && n > 0 {
				p.ready = p.ready[:n]
				p.w.post(task{fn: p.fn})
			}
			p.mu.Unlock()
			if err == syscall.EINTR {
				continue
			}
			if err != nil {
				return true
			}
			if n == 0 {
				return false
			}
			select {
			case again := <-p.done:
				if !again { // the worker found the set empty
					return false
				}
			case <-p.stop:
				return true
			}
		}
	})
}

// process reads each socket found ready, on the worker. Then the worker
// polls the set itself after each batch (see poll) until it finds it empty.
func (p *poller) process() {
	for i := range p.ready {
		if k := p.socks[eventID(&p.ready[i])]; k != nil {
			if p.ready[i].Events&peerEndEvents != 0 {
				k.peerEnd = true
			}
			k.pollRead()
		}
	}
	p.ready = p.ready[:0]
	p.polling = true
}

// poll runs on the worker after a batch it read sockets in, once their
// answers are written: what is ready by now is read in the next batch; when
// nothing is, the watcher takes over again.
func (p *poller) poll() {
	n, err := syscall.EpollWait(p.epfd, p.ready[:cap(p.ready)], 0)
	if err == syscall.EINTR || (err == nil && n > 0) {
		p.ready = p.ready[:max(n, 0)]
		p.w.post(task{fn: p.fn})
		return
	}
	p.handOver(false)
}

// hasReady reports whether a socket of the set is ready to be read now, for
// the watcher to report it (or the worker's own poll). Asking an
// edge-triggered set takes the reports it returns, so each socket reported
// is put back in it (EPOLL_CTL_MOD), which reports it again while it is
// ready; events of the peer's end are kept on the socket meanwhile. It
// reports true too when the watcher took reports and posted them. On the
// worker, while the watcher has the set (RunReady, after RunPending).
func (p *poller) hasReady() bool {
	var ev [16]syscall.EpollEvent
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		n, err := syscall.EpollWait(p.epfd, ev[:], 0)
		if err == syscall.EINTR {
			continue
		}
		if err != nil || n <= 0 {
			// The watcher may have taken the reports first: then it has
			// posted them.
			return p.w.queued() > 0
		}
		for i := range ev[:n] {
			if k := p.socks[eventID(&ev[i])]; k != nil {
				if ev[i].Events&peerEndEvents != 0 {
					k.peerEnd = true
				}
				p.rearm(k)
			}
		}
		return true
	}
}

// rearm asks the set to report k again if it is ready now. On the worker.
func (p *poller) rearm(k *Socket) {
	ev := syscall.EpollEvent{Events: pollEvents}
	setEventID(&ev, k.pollID)
	if err := syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_MOD, k.fd, &ev); err != nil {
		p.w.post(task{fn: func() { k.pollFailed(os.NewSyscallError("epoll_ctl", err)) }})
	}
}

// handBack leaves the set to the watcher without polling it (RunPending):
// the watcher asks the set again before it waits, and posts what is ready.
func (p *poller) handBack() { p.handOver(true) }

// handOver makes the watcher wait for the set again; again says whether it
// must ask the set first (the worker did not find it empty).
func (p *poller) handOver(again bool) {
	p.polling = false
	p.ready = p.ready[:0]
	select {
	case p.done <- again:
	default:
	}
}

// setEventID stores id in the event's data (the Fd and Pad fields).
func setEventID(ev *syscall.EpollEvent, id uint64) {
	ev.Fd, ev.Pad = int32(uint32(id)), int32(uint32(id>>32))
}

func eventID(ev *syscall.EpollEvent) uint64 {
	return uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
}
