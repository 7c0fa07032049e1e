package hessian

import (
	"errors"
	"fmt"
)

// Sentinel errors: every error of DecodeAll matches ErrSyntax and every error
// of EncodeAll matches ErrEncode (through errors.Is).
var (
	// ErrSyntax is matched by every *SyntaxError: input that is not Hessian 2.0.
	ErrSyntax = errors.New("hessian: syntax error")
	// ErrEncode is matched by the errors of EncodeAll: a value of a Go type
	// it cannot write, a malformed *Map, or nesting deeper than MaxDepth.
	ErrEncode = errors.New("hessian: cannot encode")
)

// Is reports whether target is ErrSyntax.
func (e *SyntaxError) Is(target error) bool { return target == ErrSyntax }

// encodeError is an error of EncodeAll; its text is kept as scripts see it
// ("hessian: " and what is wrong), so it matches ErrEncode without wrapping it.
type encodeError string

func (e encodeError) Error() string        { return "hessian: " + string(e) }
func (e encodeError) Is(target error) bool { return target == ErrEncode }

func encodeErrorf(format string, args ...any) error {
	return encodeError(fmt.Sprintf(format, args...))
}
