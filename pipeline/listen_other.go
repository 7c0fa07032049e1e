//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package pipeline

import (
	"errors"
	"net"
)

// listen listens on TCP addr; SO_REUSEPORT is not available here.
func listen(addr string, reusePort bool) (net.Listener, error) {
	if reusePort {
		return nil, errors.New("pipeline: reuse-port is not supported on this system")
	}
	return net.Listen("tcp", addr)
}
