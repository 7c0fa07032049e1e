package http2

import (
	"errors"

	"github.com/sluice-go/sluice/filter"
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
