//go:build unix && !linux

package pipeline

import (
	"syscall"
	"unsafe"
)

// readCall is read(2) on fd into b.
func readCall(fd uintptr, b []byte) (int, syscall.Errno) {
	r, _, e := syscall.Syscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(len(b)))
	return int(r), e
}

// writevCall is writev(2) on fd of vs, which is not empty.
func writevCall(fd uintptr, vs []syscall.Iovec) (int, syscall.Errno) {
	r, _, e := syscall.Syscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&vs[0])), uintptr(len(vs)))
	return int(r), e
}
