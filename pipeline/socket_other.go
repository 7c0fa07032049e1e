//go:build !unix

package pipeline

import (
	"net"
	"syscall"
)

// writeNow writes nothing on systems without writev: the writer goroutine
// does all the writing there.
func writeNow(rc syscall.RawConn, bufs net.Buffers) (int, error) { return 0, nil }

const haveRaw = false

func rawRead(fd uintptr, b []byte) (int, error) { return 0, syscall.EINVAL }
