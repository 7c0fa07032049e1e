//go:build unix && !linux

package filter

import (
	"os"
	"syscall"
)

// execSysProcAttr puts the process in a group of its own, so that it is
// killed with whatever it started.
func execSysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

// killGroup kills the process group that p leads.
func killGroup(p *os.Process) { syscall.Kill(-p.Pid, syscall.SIGKILL) }

// waitExited cannot wait for an exit without reaping here: it reports false
// at once, and what the process started is killed only with the stream.
func waitExited(int) bool { return false }
