//go:build !unix

package main

import "os"

// statusSignal is nil where there is no SIGTSTP.
var statusSignal os.Signal
