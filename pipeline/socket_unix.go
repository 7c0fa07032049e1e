//go:build unix

package pipeline

import (
	"net"
	"os"
	"syscall"
	"unsafe"
)

const maxIovecs = 1024

// haveRaw is true where reads and writes can go straight to the descriptor.
const haveRaw = true

func rawRead(fd uintptr, b []byte) (int, error) { return syscall.Read(int(fd), b) }

// writeNow writes as much of bufs as the kernel takes right now, with one
// writev, without waiting for the socket to be writable.
func writeNow(rc syscall.RawConn, bufs net.Buffers) (int, error) {
	var iov [64]syscall.Iovec
	vs := iov[:0]
	for _, b := range bufs {
		if len(b) == 0 {
			continue
		}
		if len(vs) == maxIovecs {
			break
		}
		v := syscall.Iovec{Base: &b[0]}
		v.SetLen(len(b))
		vs = append(vs, v)
	}
	if len(vs) == 0 {
		return 0, nil
	}
	var n int
	var werr error
	err := rc.Write(func(fd uintptr) bool {
		for {
			r, _, e := syscall.Syscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&vs[0])), uintptr(len(vs)))
			if e == syscall.EINTR {
				continue
			}
			if e == syscall.EAGAIN {
				return true
			}
			if e != 0 {
				werr = os.NewSyscallError("writev", e)
				return true
			}
			n = int(r)
			return true
		}
	})
	if err != nil {
		return n, err
	}
	return n, werr
}
