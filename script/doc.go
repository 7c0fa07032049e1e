// Package script loads JavaScript configurations written for Pipy 0.x into
// pipeline modules, with the goja JavaScript engine.
//
// # Loading
//
// Load (or LoadSource) compiles a script once and runs its top-level code
// in a runtime of its own. The code calls pipy({ _vars }), which declares the
// context variables and returns a configuration builder; the builder's
// listen(port, {tls, reuse, maxConnections, readTimeout, writeTimeout,
// handshakeTimeout}), pipeline(name) and task(interval) open sections, and
// each filter method (connect, demux, mux, fork, link, use, wait, tap, exec,
// the HTTP and Dubbo codecs, the on… and replace… handlers, dump, print,
// dummy: see Filters) appends a Go filter to the open section:
//
//	pipy({ _count: 0 })
//	.listen(8080)
//	  .decodeHttpRequest()
//	  .replaceMessage(msg => (_count++, new Message({ status: 200 }, 'hello')))
//	  .encodeHttpResponse()
//
// The result is a built *pipeline.Module: a pipeline name that does not
// exist (in link, fork, demux, mux or use), a syntax error, an exception in
// the top-level code or a bad argument fails the load, with the file, line
// and column (see Error). use(module, pipeline, argv...) loads the module
// file relative to the script's directory, once per Load, unless
// Options.Modules resolves module names.
//
// # Runtimes and callbacks
//
// A goja runtime is single-threaded and its values cannot move to another
// runtime, while a module's pipelines run on many workers at once. So each
// worker that runs one of the module's callbacks makes its own runtime (kept
// by the module, so that a module dropped by a reload goes with its runtimes)
// by re-running the same compiled top-level code.
// Every function handed to the builder is numbered in the order it is handed
// over; the Go filters built by the first run hold only those numbers, and on
// a worker, callback n calls function n of that worker's runtime. A worker's
// run must configure exactly what the first run did (the same builder calls
// and the same number of functions); if it does not — top-level code that
// depends on time, randomness or the environment — the callbacks on that
// worker fail with ErrMismatch. No goja value ever leaves its runtime: what
// crosses into Go is converted (Data, messages, heads, plain data).
//
// # Context variables
//
// The keys of pipy({...}) are context variables. Every new context (a
// connection, a task run, a Session, and each message of demux) starts with
// a shallow copy of the declared values: a variable reassigned by a callback
// is per connection, while an object value is shared by every context of the
// worker. Callbacks see them as plain global variables (accessor properties
// of the global object, reading and writing the slots of the context whose
// stream is running). Sub-streams of link, fork, use and mux share their
// parent's context and so its variables. Also defined: __inbound (id,
// remoteAddress, remotePort, localAddress, localPort of the connection),
// __filename, __argv (the arguments of the use() that started the stream,
// as a fresh copy) and, in a stream started by fork, `this` (its element of
// the session data).
//
// # Globals
//
// Defined by this package: Data (new Data(), new Data(string [, encoding]),
// new Data(Data), new Data([bytes]); size, push(Data|string), shift(n),
// toString([utf8|hex|base64|base64url])), Message (new Message([head,]
// [body]); head and body), MessageStart(head), MessageEnd(), SessionEnd([error
// [, message]]) with error (Pipy's name of the kind, such as
// "ConnectionRefused", undefined for a normal end) and message, Session (new
// Session([module,] pipeline).input(events) starts a stream of that
// pipeline on the current worker, in a fresh context, its output discarded),
// JSON.encode(value) → Data and JSON.decode(Data) → value besides the
// standard JSON, and console.log (also info, debug, warn, error) to the
// logger, with the script position. The other global modules (os, URL, algo,
// http.File, crypto, XML, Hessian) are installed into every runtime by
// installGlobals.
//
// # Events and heads
//
// Handlers get events as objects of the classes above; a Data is a copy
// sharing the bytes when the filter passes the original on. Replacement
// arguments are nothing (drop the event), an event, a Message, a string (as
// Data), an array of those, or a function returning one of those; a value
// given at load time is converted once and copied at each use.
//
// HTTP/1 heads appear as objects { method, path, protocol, headers } and
// { protocol, status, statusText, headers }, Dubbo heads as { id, status,
// isRequest, isTwoWay, isEvent, serialization }: live views, so assigning a
// field changes the head the next filters see. headers is keyed by
// lower-case names (lookups ignore case); a field repeated in the message
// reads as its values joined with ", ", except set-cookie, which reads as an
// array; assigning an array sets one field per element, undefined or delete
// removes the field. Heads built by scripts are exported to map[string]any,
// which the encoders accept.
//
// # Errors
//
// A callback that throws ends only its stream, with a runtime-error
// SessionEnd whose message (and Cause, an *Error) gives the script position;
// the failure is logged at warn level, once, with the filter, where it is
// written in the script and the script's stack (Error.Stack), and the worker
// goes on.
//
// Load rejects, at the position of the call, a name no pipeline has, two
// listen() on one port, and pipelines that start each other in a cycle
// (link, demux, mux, fork, use; "recursive pipeline: a → b → a", as Pipy).
package script
