//go:build unix

package pipeline

import "syscall"

// relaySupported reports whether a relay can drop what a client sent
// before closing it (relayDiscard).
const relaySupported = true

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
