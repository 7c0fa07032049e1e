package script

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// callbackErrors counts the exceptions thrown by script callbacks, by
// script position (string "file:line:col" → *atomic.Int64). Positions are
// those of the scripts loaded: a bounded set.
var callbackErrors sync.Map

// CallbackErrorCount is how many times callbacks failed at one position.
type CallbackErrorCount struct {
	// Pos is "file:line:col" where the exception was thrown (or the
	// callback interrupted); "unknown" when the script gave none.
	Pos   string
	Count int64
}

// countCallbackError counts err, a callback's failure.
func countCallbackError(err error) {
	pos := "unknown"
	var e *Error
	if errors.As(err, &e) && e.Line > 0 {
		pos = fmt.Sprintf("%s:%d:%d", e.File, e.Line, e.Column)
	}
	v, ok := callbackErrors.Load(pos)
	if !ok {
		v, _ = callbackErrors.LoadOrStore(pos, new(atomic.Int64))
	}
	v.(*atomic.Int64).Add(1)
}

// CallbackErrors returns how many times script callbacks threw (or were
// interrupted) since the process started, by position, sorted by position.
func CallbackErrors() []CallbackErrorCount {
	var out []CallbackErrorCount
	callbackErrors.Range(func(k, v any) bool {
		out = append(out, CallbackErrorCount{Pos: k.(string), Count: v.(*atomic.Int64).Load()})
		return true
	})
	slices.SortFunc(out, func(a, b CallbackErrorCount) int { return strings.Compare(a.Pos, b.Pos) })
	return out
}
