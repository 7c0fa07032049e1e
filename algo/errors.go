package algo

import "errors"

// ErrBadURLPattern is returned by URLRouter.Add for a pattern that has no
// path part or whose host part carries a port.
var ErrBadURLPattern = errors.New("algo: invalid URL pattern")
