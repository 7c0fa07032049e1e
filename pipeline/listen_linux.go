//go:build linux

package pipeline

const soReusePort = 0xf // SO_REUSEPORT
