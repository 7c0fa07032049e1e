package script

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/dop251/goja"
)

// Errors of the script package. Load errors wrap one of them (and, where a
// position is known, come as an *Error); compare with errors.Is.
var (
	// ErrSyntax is wrapped when a script does not compile.
	ErrSyntax = errors.New("script: syntax error")
	// ErrScript is wrapped when a script's top-level code throws, or when a
	// callback throws while a stream runs.
	ErrScript = errors.New("script: exception")
	// ErrBadArgument is wrapped when a configuration method (listen, a
	// filter) is given an argument it cannot use.
	ErrBadArgument = errors.New("script: bad argument")
	// ErrNoConfiguration is wrapped when a script never calls pipy().
	ErrNoConfiguration = errors.New("script: no pipy() configuration")
	// ErrMismatch is wrapped when a worker re-runs a script and it declares
	// a different configuration than the first run did (for instance because
	// its top-level code depends on time or randomness).
	ErrMismatch = errors.New("script: configuration differs between runs")
	// ErrTimeout is wrapped when a callback, or a script's top-level code,
	// runs past its time budget (Options.Timeout) and is interrupted.
	ErrTimeout = errors.New("script: time budget exceeded")
	// ErrMemoryLimit is wrapped when a callback is interrupted because the
	// heap grew over the memory limit (Options.MemoryLimit) while it ran.
	ErrMemoryLimit = errors.New("script: memory limit exceeded")
	// ErrInterrupted is wrapped when a callback is interrupted because its
	// worker is stopping (pipeline.Worker.Interrupt).
	ErrInterrupted = errors.New("script: interrupted")
	// ErrBadOption is wrapped when an option value written loosely (a size,
	// a duration, a quota) cannot be read.
	ErrBadOption = errors.New("script: bad option value")
	// ErrNotOnWorker is wrapped when something that needs a worker (a
	// Session's input) is used while the script is being loaded.
	ErrNotOnWorker = errors.New("script: not on a worker")
)

// Error is an error located in a script: a syntax error, an exception thrown
// by top-level code or by a callback, or a bad argument to a configuration
// method. Its text is "file:line:col: message".
type Error struct {
	// File, Line and Column locate the error; Line is 0 when unknown.
	File         string
	Line, Column int
	// Message describes the error (for an exception, the thrown value as a
	// string, e.g. "TypeError: x is undefined").
	Message string
	// Err is the sentinel (ErrSyntax, ErrScript, ErrBadArgument) or the Go
	// error behind the exception.
	Err error
	// Stack is the script's call stack when the exception was thrown, one
	// "at function (file:line:col)" line per frame, innermost first; empty
	// when unknown.
	Stack string
}

// ScriptStack returns Stack, so that a stream failed by this error logs the
// script's stack rather than Go's (pipeline.ScriptStacker).
func (e *Error) ScriptStack() string { return e.Stack }

// Error returns "file:line:col: message".
func (e *Error) Error() string {
	if e.Line == 0 {
		if e.File == "" {
			return e.Message
		}
		return e.File + ": " + e.Message
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Message)
}

// Unwrap returns the sentinel or cause.
func (e *Error) Unwrap() error { return e.Err }

// Pos returns "file:line:col", or the file alone when the line is unknown.
func (e *Error) Pos() string {
	if e.Line == 0 {
		return e.File
	}
	return fmt.Sprintf("%s:%d:%d", e.File, e.Line, e.Column)
}

// parserPos matches goja's parser messages: "file: Line 3:4 Unexpected token )".
var parserPos = regexp.MustCompile(`^(.*?): Line (\d+):(\d+) (.*)$`)

// syntaxError turns a goja compile error into an *Error.
func syntaxError(name string, err error) error {
	msg := err.Error()
	var se *goja.CompilerSyntaxError
	if errors.As(err, &se) {
		msg = se.Message
		if se.File != nil {
			p := se.File.Position(se.Offset)
			return &Error{File: p.Filename, Line: p.Line, Column: p.Column, Message: "SyntaxError: " + msg, Err: ErrSyntax}
		}
	}
	first, _, _ := strings.Cut(msg, "\n")
	if m := parserPos.FindStringSubmatch(first); m != nil {
		line, _ := strconv.Atoi(m[2])
		col, _ := strconv.Atoi(m[3])
		file := m[1]
		if file == "" {
			file = name
		}
		return &Error{File: file, Line: line, Column: col, Message: "SyntaxError: " + m[4], Err: ErrSyntax}
	}
	return &Error{File: name, Message: "SyntaxError: " + msg, Err: ErrSyntax}
}

// interruptError is exceptionError for a script stopped by the watchdog
// (budget.go): located where the script was, its message and cause the
// reason it was stopped.
func interruptError(name string, ie *goja.InterruptedError) error {
	e := exceptionError(name, &ie.Exception).(*Error)
	e.Message = fmt.Sprint(ie.Value())
	e.Err = ErrScript
	if cause, ok := ie.Value().(error); ok {
		e.Err = fmt.Errorf("%w: %w", ErrScript, cause)
	}
	return e
}

// exceptionError turns an error returned by goja (usually a *goja.Exception)
// into an *Error located at the innermost script frame. A Go error thrown
// into the script (and not caught) is kept as the cause.
func exceptionError(name string, err error) error {
	if ie := (*goja.InterruptedError)(nil); errors.As(err, &ie) {
		return interruptError(name, ie)
	}
	var ex *goja.Exception
	if !errors.As(err, &ex) {
		return &Error{File: name, Message: err.Error(), Err: err}
	}
	e := &Error{File: name, Err: ErrScript}
	if v := ex.Value(); v != nil {
		e.Message = v.String()
	} else {
		e.Message = err.Error()
	}
	if cause := ex.Unwrap(); cause != nil {
		// A Go error thrown into the script (a bad argument, a failed
		// conversion): keep it, and its text without the "GoError: " prefix.
		e.Message = cause.Error()
		e.Err = cause
		if !errors.Is(cause, ErrBadArgument) {
			e.Err = fmt.Errorf("%w: %w", ErrScript, cause)
		}
	}
	var stack strings.Builder
	for _, f := range ex.Stack() {
		p := f.Position()
		if p.Line == 0 {
			continue
		}
		file := p.Filename
		if file == "" {
			file = name
		}
		if e.Line == 0 {
			e.File, e.Line, e.Column = file, p.Line, p.Column
		}
		fn := f.FuncName()
		if fn == "" {
			fn = "<anonymous>"
		}
		fmt.Fprintf(&stack, "\n  at %s (%s:%d:%d)", fn, file, p.Line, p.Column)
	}
	e.Stack = strings.TrimPrefix(stack.String(), "\n")
	return e
}
