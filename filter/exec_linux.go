//go:build linux

package filter

import (
	"os"
	"syscall"
	"unsafe"
)

// execSysProcAttr puts the process in a group of its own, so that it is
// killed with whatever it started, and has the kernel kill it if sluice dies
// (even by SIGKILL). The parent-death signal is sent when the OS thread that
// started the process exits; the Go runtime keeps its threads unless a
// goroutine locked to one exits.
func execSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// killGroup kills the process group that p leads.
func killGroup(p *os.Process) { syscall.Kill(-p.Pid, syscall.SIGKILL) }

// waitExited blocks until process pid has exited, leaving it to be reaped
// (waitid with WNOWAIT), so that its pid, and so its group's id, cannot be
// reused meanwhile. It reports whether it waited.
func waitExited(pid int) bool {
	const pPID, wNOWAIT = 1, 0x01000000
	var info [128]byte // siginfo_t
	for {
		_, _, errno := syscall.Syscall6(syscall.SYS_WAITID, pPID, uintptr(pid), uintptr(unsafe.Pointer(&info)), syscall.WEXITED|wNOWAIT, 0, 0)
		if errno != syscall.EINTR {
			return errno == 0
		}
	}
}
