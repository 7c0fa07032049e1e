package event

import "errors"

// ErrBadValue is wrapped by the errors of Int, String, Bool and the field
// readers when a loose value cannot be coerced to the type asked for.
var ErrBadValue = errors.New("event: bad field value")

// ErrBodyTooLarge is wrapped by the error of MessageReader.Read when a
// message's body grows past the reader's bound. Filters that collect whole
// messages end their stream with a BufferOverflow SessionEnd whose Cause
// wraps it, and an HTTP server answers it with 413.
var ErrBodyTooLarge = errors.New("event: message body too large")
