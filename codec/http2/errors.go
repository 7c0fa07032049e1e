package http2

import (
	"errors"
	"fmt"

	"github.com/sluice-go/sluice/filter"
	"golang.org/x/net/http2"
)

// Sentinel errors of the HTTP/2 codec, compared with errors.Is. A
// connection that fails with one of them sent the peer a GOAWAY first.
var (
	// ErrProtocol: the peer broke the HTTP/2 protocol (a connection error).
	ErrProtocol = errors.New("http2: protocol error")
	// ErrBadPreface: the connection did not begin with the client preface.
	ErrBadPreface = errors.New("http2: bad connection preface")
	// ErrCalm: the peer exceeded a limit that guards against abuse (rapid
	// reset, CONTINUATION flood, ping or settings flood): ENHANCE_YOUR_CALM.
	ErrCalm = errors.New("http2: enhance your calm")
	// ErrNoAnswer: a request's stream ended without an answer (the cause
	// of the failure the request is answered for); filter.ErrNoAnswer,
	// which demux's HTTP/1 side gives too.
	ErrNoAnswer = filter.ErrNoAnswer
)

// Sentinel errors of the HTTP/2 client side (muxHTTP with version 2): the
// cause of a request that failed at its upstream.
var (
	// ErrGoAway: the upstream sent GOAWAY before processing the request.
	ErrGoAway = errors.New("http2: upstream going away")
	// ErrReset: the upstream reset the request's stream (RST_STREAM).
	ErrReset = errors.New("http2: stream reset")
	// ErrClosed: the upstream connection ended (the upstream closed it, or
	// its worker stopped) with requests on it.
	ErrClosed = errors.New("http2: upstream connection closed")
)

// ResetError is the cause of a request's failure when its upstream reset
// the request's stream (RST_STREAM) with Code. It is ErrReset to
// errors.Is, and an http1.StreamReset: an HTTP/2 client of demuxHTTP whose
// answer had not begun gets the reset, with the same code.
type ResetError struct {
	Code http2.ErrCode
}

// Error names ErrReset and the code.
func (e *ResetError) Error() string {
	return fmt.Sprintf("%v: stream reset by the upstream (%v)", ErrReset, e.Code)
}

// Is reports whether target is ErrReset.
func (e *ResetError) Is(target error) bool { return target == ErrReset }

// ResetCode returns Code (http1.StreamReset).
func (e *ResetError) ResetCode() uint32 { return uint32(e.Code) }
