//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package pipeline

import (
	"context"
	"net"
	"syscall"
)

// listen listens on TCP addr, with SO_REUSEPORT when reusePort is set.
func listen(addr string, reusePort bool) (net.Listener, error) {
	lc := net.ListenConfig{}
	if reusePort {
		lc.Control = func(network, address string, c syscall.RawConn) error {
			var serr error
			err := c.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, soReusePort, 1)
			})
			if err != nil {
				return err
			}
			return serr
		}
	}
	return lc.Listen(context.Background(), "tcp", addr)
}
