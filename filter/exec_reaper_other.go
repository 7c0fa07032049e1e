//go:build !linux

package filter

// StartExecReaper does nothing here: only Linux gives exec's processes a
// parent-death signal, which the helper it starts there completes.
func StartExecReaper() error { return nil }

// EnableExecReaper does nothing here (see StartExecReaper).
func EnableExecReaper() {}

func reaperForExec() error { return nil }

func reaperRunning() bool { return false }

func reaperTell(byte, int) {}
