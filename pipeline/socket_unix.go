//go:build unix

package pipeline

import (
	"net"
	"os"
	"sync"
	"syscall"
)

// haveRaw is true where reads and writes can go straight to the descriptor.
const haveRaw = true

// rawRead reads from fd into b once; the error is a syscall.Errno.
func rawRead(fd uintptr, b []byte) (int, error) {
	n, e := readCall(fd, b)
	if e != 0 {
		return 0, e
	}
	return n, nil
}

// writeNow writes as much of bufs as the kernel takes right now, with one
// writev, without waiting for the socket to be writable.
func writeNow(rc syscall.RawConn, bufs net.Buffers) (int, error) {
	v := writevs.Get().(*writev)
	defer writevs.Put(v)
	vs := v.iov[:0]
	for _, b := range bufs {
		if len(b) == 0 {
			continue
		}
		if len(vs) == len(v.iov) {
			break
		}
		iv := syscall.Iovec{Base: &b[0]}
		iv.SetLen(len(b))
		vs = append(vs, iv)
	}
	if len(vs) == 0 {
		return 0, nil
	}
	v.vs, v.n, v.err = vs, 0, nil
	err := rc.Write(v.fn)
	n, werr := v.n, v.err
	clear(vs) // drop the references to bufs before the pool keeps v
	v.vs, v.err = nil, nil
	if err != nil {
		return n, err
	}
	return n, werr
}

// writev is the state of one writeNow call, pooled so that a write does not
// allocate: the iovec array and the callback bound to it.
type writev struct {
	iov [64]syscall.Iovec
	vs  []syscall.Iovec
	n   int
	err error
	fn  func(fd uintptr) bool
}

var writevs = sync.Pool{New: func() any {
	v := &writev{}
	v.fn = v.write
	return v
}}

func (v *writev) write(fd uintptr) bool {
	for {
		r, e := writevCall(fd, v.vs)
		switch e {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return true
		case 0:
			v.n = r
		default:
			v.err = os.NewSyscallError("writev", e)
		}
		return true
	}
}
