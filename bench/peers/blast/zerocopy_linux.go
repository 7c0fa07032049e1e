package main

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"time"
)

const (
	spliceMove     = 0x1 // SPLICE_F_MOVE
	spliceNonblock = 0x2 // SPLICE_F_NONBLOCK
	setPipeSize    = 1031
)

const haveZeroCopy = true

// sendFile writes the size bytes of f to c over and over with sendfile(2),
// which hands the file's page-cache pages to TCP without copying them, until
// a write fails. f's offset is not used, so connections may share it.
func sendFile(c net.Conn, f *os.File, size int64) error {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return errors.New("not a TCP connection")
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return err
	}
	infd := int(f.Fd())
	var off int64
	for {
		var werr error
		err := rc.Write(func(fd uintptr) bool {
			for {
				if off >= size {
					off = 0
				}
				_, werr = syscall.Sendfile(int(fd), infd, &off, int(min(size-off, 1<<20)))
				if werr == syscall.EINTR {
					continue
				}
				return werr != syscall.EAGAIN
			}
		})
		if err != nil {
			return err
		}
		if werr != nil {
			return werr
		}
	}
}

// discard reads c until stop returns true, moving what arrives into a pipe
// and from the pipe to /dev/null with splice(2), so that the bytes are never
// copied to user space; add is called with each count. Every wait for data
// is bounded by timeout.
func discard(c net.Conn, add func(int64), stop func() bool, timeout time.Duration) error {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return errors.New("not a TCP connection")
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return err
	}
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
		return err
	}
	defer syscall.Close(p[0])
	defer syscall.Close(p[1])
	syscall.Syscall(syscall.SYS_FCNTL, uintptr(p[1]), setPipeSize, 1<<20) // best effort
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer null.Close()
	nullfd := int(null.Fd())
	for !stop() {
		c.SetReadDeadline(time.Now().Add(timeout))
		var n int64
		var serr error
		err := rc.Read(func(fd uintptr) bool {
			for {
				var k int // int64 on 64-bit systems, int on 32-bit ones
				k, serr = splice(int(fd), p[1], 1<<20, spliceMove|spliceNonblock)
				n = int64(k)
				if serr == syscall.EINTR {
					continue
				}
				return serr != syscall.EAGAIN
			}
		})
		if err != nil {
			return err
		}
		if serr != nil {
			return os.NewSyscallError("splice", serr)
		}
		if n == 0 {
			return io.EOF
		}
		for left := n; left > 0; {
			m, err := splice(p[0], nullfd, int(left), spliceMove)
			if err == syscall.EINTR {
				continue
			}
			if err != nil {
				return os.NewSyscallError("splice", err)
			}
			left -= int64(m)
		}
		add(n)
	}
	return nil
}

// splice moves up to n bytes from the pipe or socket in to out, with
// syscall.Splice, whose count is an int64 or an int depending on the system.
func splice(in, out, n, flags int) (int, error) {
	m, err := syscall.Splice(in, nil, out, nil, n, flags)
	return int(m), err
}
