package pipeline

import (
	"syscall"
	"unsafe"
)

// The system calls of the socket hot path, a read and a writev on a
// non-blocking descriptor, are made without telling the scheduler (no
// entersyscall/exitsyscall): they never block, and a worker makes several
// per request. Told, the scheduler also lets sysmon take the worker's P away
// when one of them lasts past its tick, as a loopback writev that runs the
// receiver's TCP processing can, which hands the P to another thread.

// readCall is read(2) on fd into b.
func readCall(fd uintptr, b []byte) (int, syscall.Errno) {
	r, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(len(b)))
	return int(r), e
}

// writevCall is writev(2) on fd of vs, which is not empty.
func writevCall(fd uintptr, vs []syscall.Iovec) (int, syscall.Errno) {
	r, _, e := syscall.RawSyscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&vs[0])), uintptr(len(vs)))
	return int(r), e
}
