//go:build !linux

package filter

// StartExecReaper does nothing here: only Linux gives exec's processes a
// parent-death signal, which the helper it starts there completes.
func StartExecReaper() error { return nil }

func reaperTell(byte, int) {}
