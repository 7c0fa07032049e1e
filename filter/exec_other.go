//go:build !unix

package filter

import (
	"os"
	"syscall"
)

// execSysProcAttr has nothing to set here.
func execSysProcAttr() *syscall.SysProcAttr { return nil }

// killGroup kills p (there are no process groups to kill here).
func killGroup(p *os.Process) { p.Kill() }

// waitExited cannot wait for an exit without reaping here: it reports false.
func waitExited(int) bool { return false }
