//go:build !unix

package pipeline

import "syscall"

// relaySupported reports whether a relay can drop what a client sent
// before closing it (relayDiscard): not here, so Outbound.Relay declines.
const relaySupported = false

func relayDiscard(syscall.RawConn, int) {}
