package gui

import "errors"

// Errors of the gui package. API answers map them to HTTP statuses (see
// statusOf); compare with errors.Is.
var (
	// ErrForbidden is wrapped when a path leaves the served folder: "..",
	// an absolute path, or a symbolic link that points outside it.
	ErrForbidden = errors.New("gui: path outside the served folder")
	// ErrCrossOrigin is wrapped when a browser request that changes
	// something (POST, DELETE) comes from another site's page: a page on
	// the web must not write files or start programs through the GUI.
	ErrCrossOrigin = errors.New("gui: cross-origin request refused")
	// ErrHost is wrapped when a request names a host the GUI does not
	// answer to (a DNS rebinding attack names the attacker's domain).
	ErrHost = errors.New("gui: unknown host name")
	// ErrNotFound is wrapped when a file, or an API route, does not exist.
	ErrNotFound = errors.New("gui: not found")
	// ErrIsDirectory is wrapped when a file operation names a directory.
	ErrIsDirectory = errors.New("gui: is a directory")
	// ErrBadRequest is wrapped when a request cannot be used as it is (a
	// script that does not load, a body that is not what the route takes).
	ErrBadRequest = errors.New("gui: bad request")
	// ErrMethod is wrapped when a route does not take the request's method.
	ErrMethod = errors.New("gui: method not allowed")
)
