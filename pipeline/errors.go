package pipeline

import "errors"

// Errors returned by this package.
var (
	// ErrServerClosed is returned by Server.Serve after Shutdown or Close.
	ErrServerClosed = errors.New("pipeline: server closed")
	// ErrUnknownPipeline is wrapped by module builds that meet a name no
	// pipeline has.
	ErrUnknownPipeline = errors.New("pipeline: unknown pipeline")
	// ErrUnknownModule is wrapped when a filter refers to a module that
	// cannot be found.
	ErrUnknownModule = errors.New("pipeline: unknown module")
	// ErrNotBuilt is returned when a module is started before Build.
	ErrNotBuilt = errors.New("pipeline: module not built")
)

// Errors of Outbound.
var (
	// ErrBufferLimit is wrapped when an Outbound has more bytes to hold
	// before its connection is up than its BufferLimit allows.
	ErrBufferLimit = errors.New("pipeline: buffer limit exceeded")
	// ErrTimeout is wrapped when one of an Outbound's timeouts expires.
	ErrTimeout = errors.New("pipeline: timeout")
)
