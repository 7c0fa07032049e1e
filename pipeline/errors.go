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
	// ErrIdleTimeout is wrapped by the Timeout SessionEnd of an inbound
	// connection closed by ConnOptions.IdleTimeout.
	ErrIdleTimeout = errors.New("pipeline: idle timeout")
	// ErrWriteTimeout is wrapped by the Timeout SessionEnd of an inbound
	// connection closed by ConnOptions.WriteTimeout.
	ErrWriteTimeout = errors.New("pipeline: write timeout")
	// ErrConnsCut is wrapped by Server.Shutdown's error when its context
	// ended before every connection had finished, and the rest were closed.
	ErrConnsCut = errors.New("pipeline: connections cut at the drain deadline")
)

// Errors of Outbound.
var (
	// ErrBufferLimit is wrapped when an Outbound has more bytes to hold
	// before its connection is up than its BufferLimit allows.
	ErrBufferLimit = errors.New("pipeline: buffer limit exceeded")
	// ErrTimeout is wrapped when one of an Outbound's timeouts expires.
	ErrTimeout = errors.New("pipeline: timeout")
	// ErrALPN is wrapped when a TLS remote did not agree by ALPN on the
	// protocol OutboundOptions.ALPN requires.
	ErrALPN = errors.New("pipeline: application protocol not agreed")
)

// ErrRecursivePipeline is wrapped (by a *CycleError) when a module's
// pipelines start each other in a cycle, which would start streams without
// end on the first event.
var ErrRecursivePipeline = errors.New("pipeline: recursive pipeline")

// ErrListenConflict is wrapped (by a *ListenConflictError) when two listen
// pipelines of a module would listen on the same port.
var ErrListenConflict = errors.New("pipeline: port listened on twice")

// ErrUnbound is wrapped when a pipeline is served with a filter that refers
// to a pipeline by a name never resolved: the pipeline is not in a module,
// or its module was not built (see CheckBound).
var ErrUnbound = errors.New("pipeline: unbound pipeline reference")
