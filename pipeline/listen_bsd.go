//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package pipeline

import "syscall"

const soReusePort = syscall.SO_REUSEPORT
