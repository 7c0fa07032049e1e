package filter

import (
	"errors"

	"github.com/sluice-go/sluice/pipeline"
)

// Errors of the filter package.
var (
	// ErrBadTarget is wrapped when a filter is given a pipeline reference or
	// a connection target it cannot use.
	ErrBadTarget = errors.New("filter: bad target")
)

// Errors of connect and exec.
var (
	// ErrBufferLimit is wrapped when connect has more bytes to hold before
	// its connection is up than its BufferLimit allows (pipeline's).
	ErrBufferLimit = pipeline.ErrBufferLimit
	// ErrTimeout is wrapped when one of connect's timeouts expires
	// (pipeline's).
	ErrTimeout = pipeline.ErrTimeout
	// ErrBadCommand is wrapped when exec is given no command to run.
	ErrBadCommand = errors.New("filter: bad command")
	// ErrExecReaper is wrapped when the helper that kills exec's
	// processes' children at exit cannot be started (StartExecReaper).
	ErrExecReaper = errors.New("filter: exec reaper")
)

// Errors of link, use, fork, demux and mux.
var (
	// ErrUnbound is wrapped when a stream starts a filter whose pipeline
	// reference is a name that was never resolved: the filter is in a
	// pipeline outside a module, or the module was not built.
	ErrUnbound = errors.New("filter: pipeline reference not bound")
	// ErrAnswerCut is the cause of the SessionEnd demux ends its stream
	// with when an answer that had begun ended, without an error, before
	// its end.
	ErrAnswerCut = errors.New("filter: demux: answer cut short")
	// ErrNoAnswer is the cause of the failure a request is answered for
	// when its stream ended cleanly without answering (demux and
	// demuxHTTP, over HTTP/1 and HTTP/2): see Unanswered.
	ErrNoAnswer = errors.New("filter: demux: the request's stream ended without an answer")
)
