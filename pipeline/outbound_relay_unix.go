//go:build unix

package pipeline

import "syscall"

// relaySupported reports whether relayWaitData works here.
const relaySupported = true

// relayWaitData blocks until the connection has a byte to read, and reports
// true, without reading it; false when the peer closed or reset before
// sending anything, or when the connection is closed meanwhile.
func relayWaitData(rc syscall.RawConn) bool {
	var b [1]byte
	var n int
	var err error
	rerr := rc.Read(func(fd uintptr) bool {
		for {
			n, _, err = syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK)
			if err != syscall.EINTR {
				return err != syscall.EAGAIN
			}
		}
	})
	return rerr == nil && err == nil && n > 0
}

// relayDiscard reads and drops what the connection has already received, up
// to limit bytes, without waiting: closing it then sends a FIN rather than a
// reset, as when the event path had read those bytes before the dial failed.
func relayDiscard(rc syscall.RawConn, limit int) {
	buf := make([]byte, min(limit, 16<<10))
	rc.Read(func(fd uintptr) bool {
		for limit > 0 {
			n, err := syscall.Read(int(fd), buf[:min(limit, len(buf))])
			if err == syscall.EINTR {
				continue
			}
			if n <= 0 || err != nil {
				break
			}
			limit -= n
		}
		return true
	})
}
