package pipeline

// SetTestHookValveWait sets the hook run when a reader starts waiting on a
// closed valve, and returns a function restoring the previous one.
func SetTestHookValveWait(f func()) (restore func()) {
	old := testHookValveWait
	testHookValveWait = f
	return func() { testHookValveWait = old }
}
