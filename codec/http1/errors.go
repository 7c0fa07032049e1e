package http1

import (
	"errors"
	"strconv"
)

// Sentinel errors of the package. A decoding failure is reported as a
// *SyntaxError whose Err field is one of the decoding sentinels, so callers
// may classify it with errors.Is and locate it with errors.As.
var (
	// ErrMalformed: the bytes do not follow the HTTP/1.x message syntax.
	ErrMalformed = errors.New("http1: malformed message")
	// ErrLineTooLong: the request line or status line exceeds its limit.
	ErrLineTooLong = errors.New("http1: start line too long")
	// ErrHeadTooLarge: a head (or trailer section) exceeds its size limit.
	ErrHeadTooLarge = errors.New("http1: message head too large")
	// ErrTooManyHeaders: a head (or trailer section) has too many fields.
	ErrTooManyHeaders = errors.New("http1: too many header fields")
	// ErrBadContentLength: a Content-Length value is invalid or repeated
	// with a different value.
	ErrBadContentLength = errors.New("http1: invalid content-length")
	// ErrAmbiguousLength: the message framing is ambiguous, for example
	// both Content-Length and Transfer-Encoding are present.
	ErrAmbiguousLength = errors.New("http1: ambiguous message length")
	// ErrBadTransferEncoding: the Transfer-Encoding does not end with a
	// single chunked coding, so the body length cannot be determined.
	ErrBadTransferEncoding = errors.New("http1: invalid transfer-encoding")
	// ErrUnsupportedTransferCoding: a transfer coding other than chunked
	// is applied to the body.
	ErrUnsupportedTransferCoding = errors.New("http1: unsupported transfer coding")
	// ErrBadChunk: the chunked body encoding is invalid.
	ErrBadChunk = errors.New("http1: invalid chunked encoding")
	// ErrUnsupportedVersion: the HTTP version is well-formed but not 1.0
	// or 1.1.
	ErrUnsupportedVersion = errors.New("http1: unsupported HTTP version")
	// ErrBadHost: a request has more than one Host field. (A missing Host
	// is accepted, as Pipy does: its own encoder sends requests without
	// one.)
	ErrBadHost = errors.New("http1: missing or repeated host")
	// ErrUnexpectedEnd: the stream ended in the middle of a message.
	ErrUnexpectedEnd = errors.New("http1: unexpected end of stream")
	// ErrHeadTimeout: a request head was not complete in time
	// (decodeHttpRequest's HeadTimeout); its SyntaxError has status 408.
	ErrHeadTimeout = errors.New("http1: request head timeout")
	// ErrBodyTimeout: a request body made no progress in time
	// (decodeHttpRequest's BodyTimeout); its SyntaxError has status 408.
	ErrBodyTimeout = errors.New("http1: request body timeout")
	// ErrBodyTooLarge: a request body declared (Content-Length) or sent
	// (chunked) is larger than Options.MaxBodySize; its SyntaxError has
	// status 413.
	ErrBodyTooLarge = errors.New("http1: request body too large")
	// ErrEnded is returned by Decode after End has been called.
	ErrEnded = errors.New("http1: decoder already ended")
	// ErrInvalidHead: a head given to the encoder or to a conversion
	// helper cannot be written as valid HTTP/1.x (bad method, path,
	// protocol, status, header name or value, or a field of the wrong
	// type).
	ErrInvalidHead = errors.New("http1: invalid message head")
	// ErrBadHeader: a header field given to an encoder cannot be written
	// safely (a name that is not a token, a value with CR, LF or NUL),
	// which would split the message; the error names the field. It comes
	// wrapped together with ErrInvalidHead.
	ErrBadHeader = errors.New("http1: header field not allowed")
)

// ErrBadTarget is wrapped when RequestHead.URL cannot parse a request
// target.
var ErrBadTarget = errors.New("http1: bad request target")

// SyntaxError describes why a Decoder rejected its input. Offset is the
// position in the whole decoded stream (counting every byte given to every
// Decode call since the decoder was made) of the byte where the error was
// found. Status is the HTTP status a server answers with: 400, 413, 414, 431,
// 501 or 505 for a request decoder, 502 for every error of a response decoder
// (the upstream misbehaved). Err is the sentinel classifying the error.
//
// The same input yields the same SyntaxError whatever way it is split
// between Decode calls.
type SyntaxError struct {
	Offset int64  // stream offset of the offending byte
	Status int    // the HTTP status to answer with
	Msg    string // what is wrong, for humans
	Err    error  // the sentinel classifying the error
}

// Error returns "http1: <msg> at byte <offset>".
func (e *SyntaxError) Error() string {
	return "http1: " + e.Msg + " at byte " + strconv.FormatInt(e.Offset, 10)
}

// Unwrap returns the sentinel error classifying e.
func (e *SyntaxError) Unwrap() error { return e.Err }
