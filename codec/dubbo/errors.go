package dubbo

import (
	"errors"
	"strconv"
)

// Sentinel errors. Errors returned by this package wrap one of them (or are a
// *SyntaxError), so callers compare with errors.Is and errors.As.
var (
	// ErrBadMagic is matched (through errors.Is) by every *SyntaxError
	// reporting a frame that does not begin with 0xdabb.
	ErrBadMagic = errors.New("dubbo: bad magic")
	// ErrBodyTooLarge is wrapped by the decoder's error for a frame whose
	// declared body length exceeds Options.MaxBodySize, and by the encoder's
	// for a body longer than the 32-bit length field can state.
	ErrBodyTooLarge = errors.New("dubbo: body too large")
	// ErrTruncated is wrapped by Decoder.Finish when the input ended inside
	// a frame.
	ErrTruncated = errors.New("dubbo: input ended inside a frame")
	// ErrInvalidHead is wrapped by the errors of HeadOf and of the encoder
	// for a head of an unsupported type or with a field that does not fit
	// the wire format.
	ErrInvalidHead = errors.New("dubbo: invalid head")
)

// SyntaxError reports input that is not a Dubbo frame. It is returned by
// Decoder.Decode, which stays failed afterwards.
type SyntaxError struct {
	// Offset is the position in the decoder's input, counted from its first
	// byte, of the start of the offending frame.
	Offset int64
	// Msg describes the problem, for example "bad magic 0x4745".
	Msg string

	err error // the sentinel the error matches, or nil
}

// Error returns "dubbo: <Msg> at byte <Offset>".
func (e *SyntaxError) Error() string {
	return "dubbo: " + e.Msg + " at byte " + strconv.FormatInt(e.Offset, 10)
}

// Unwrap returns the sentinel the error stands for (ErrBadMagic), so that
// errors.Is works without errors.As; it is nil for a SyntaxError made by
// hand.
func (e *SyntaxError) Unwrap() error { return e.err }
