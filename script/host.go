package script

import (
	"log/slog"

	"github.com/dop251/goja"
	"github.com/sluice-go/sluice/event"
)

// host is what a global module (algo, crypto, os, URL, http, XML, Hessian)
// needs from the runtime it is installed into. The runtime of each worker
// implements it; global modules are installed with installGlobals (globals.go).
type host interface {
	// VM returns the goja runtime; it belongs to one worker.
	VM() *goja.Runtime
	// DataOf converts a JS value to Data: a Data object (shared, not copied)
	// or a string (UTF-8 bytes). ok is false for anything else.
	DataOf(v goja.Value) (d *event.Data, ok bool)
	// NewData wraps d as a JS Data object.
	NewData(d *event.Data) goja.Value
	// NewMessage wraps m as a JS Message object (head converted to JS).
	NewMessage(m *event.Message) goja.Value
	// Logger is where console output and script errors go.
	Logger() *slog.Logger
	// BaseDir is the directory of the script being run: relative paths given
	// to os.readFile, http.File, and so on are relative to it.
	BaseDir() string
}
