//go:build linux

package filter

import "sync"

// ResetReaper forgets the exec reaper, as if it had never been asked for
// nor started: its helper's input is closed (it exits). For tests that
// check when it starts, run more than once (-count).
func ResetReaper() {
	reaper.mu.Lock()
	if reaper.w != nil {
		reaper.w.Close()
		reaper.w = nil
	}
	reaper.mu.Unlock()
	reaper.once = sync.Once{}
	reaper.err = nil
	reaper.enabled.Store(false)
}
