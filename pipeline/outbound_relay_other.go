//go:build !unix

package pipeline

import "syscall"

// relaySupported reports whether relayWaitData works here: without a way to
// wait for a byte without reading it, connect never relays.
const relaySupported = false

func relayWaitData(syscall.RawConn) bool { return false }

func relayDiscard(syscall.RawConn, int) {}
