//go:build !linux

package main

import (
	"errors"
	"net"
	"os"
	"time"
)

const haveZeroCopy = false

var errNoZeroCopy = errors.New("zero-copy transfers need Linux")

func sendFile(c net.Conn, f *os.File, size int64) error { return errNoZeroCopy }

func discard(c net.Conn, add func(int64), stop func() bool, timeout time.Duration) error {
	return errNoZeroCopy
}
