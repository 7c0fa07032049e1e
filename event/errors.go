package event

import "errors"

// ErrBadValue is wrapped by the errors of Int, String, Bool and the field
// readers when a loose value cannot be coerced to the type asked for.
var ErrBadValue = errors.New("event: bad field value")
