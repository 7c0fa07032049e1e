//go:build unix

package main

import (
	"os"
	"syscall"
)

// statusSignal asks for the status table (see printStatus).
var statusSignal os.Signal = syscall.SIGTSTP
