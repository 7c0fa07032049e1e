package pipeline

// SetTestHookValveWait sets the hook run when a reader starts waiting on a
// closed valve, and returns a function restoring the previous one.
func SetTestHookValveWait(f func()) (restore func()) { return swapHook(&testHookValveWait, f) }

// swapHook sets *hook to f and returns a function restoring the old one.
func swapHook(hook *func(), f func()) (restore func()) {
	old := *hook
	*hook = f
	return func() { *hook = old }
}

// UsePoller turns the workers' pollers on or off for the sockets started
// from now on, and returns a function restoring the previous setting.
func UsePoller(on bool) (restore func()) {
	old := pollerOff.Swap(!on)
	return func() { pollerOff.Store(old) }
}

// PollersMade returns how many pollers workers have made so far.
func PollersMade() int64 { return pollersMade.Load() }

// ParkedPolls returns how many times a poller reported a socket it had
// stopped waiting for.
func ParkedPolls() int64 { return parkedPolls.Load() }

// SetTestHookSlotWait sets the hook run when Serve starts waiting for a
// connection to close, at the connection limit, and returns a function
// restoring the previous one.
func SetTestHookSlotWait(f func()) (restore func()) { return swapHook(&testHookSlotWait, f) }

// SetTestHookLingerDiscard sets the hook run (on the worker) each time a
// lingering socket drops what it read, and returns a function restoring the
// previous one.
func SetTestHookLingerDiscard(f func()) (restore func()) { return swapHook(&testHookLingerDiscard, f) }
