// Package script loads JavaScript configurations written for Pipy 0.x into
// pipeline modules, with the goja JavaScript engine.
//
// # Loading
//
// Load (or LoadSource) compiles a script once and runs its top-level code
// in a runtime of its own. The code calls pipy({ _vars }), which declares the
// context variables and returns a configuration builder; the builder's
// listen(port, {tls, reuse, maxConnections, readTimeout, writeTimeout,
// handshakeTimeout, idleTimeout, headTimeout, bodyTimeout, lingerTimeout,
// lingerTime}), pipeline(name)
// and task(interval) open sections, and
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
// file, once per Load, unless Options.Modules resolves module names. As in
// Pipy, which runs in the main script's folder, relative paths — module
// names (a leading slash, as in __filename, also means that folder), files
// read by os, http.File and TLS options — are relative to the folder of the
// main script, whichever module names them; a module name not found there
// is also looked for next to the script that names it.
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
// connection, a task run) starts with a shallow copy of the declared values:
// a variable reassigned by a callback is per connection, while an object
// value is shared by every context of the worker. Callbacks see them as
// plain global variables (accessor properties of the global object, reading
// and writing the slots of the context whose stream is running). Sub-streams
// of link, fork and use, and a Session, share their parent's context and so
// its variables. Each message of demux gets a context of its own that starts
// with a copy of the connection's current values (Pipy's rule: a value set
// in onMessageStart before demux is seen by the message's pipeline, and what
// that pipeline sets stays its own). A shared stream of mux starts with a
// copy of the values of the stream that opened it (Pipy runs it in that
// stream's context; the copy keeps its flow control apart from that
// connection's), so connect(() => _target) there finds the opener's target. Also defined:
// __inbound (id, remoteAddress, remotePort, localAddress, localPort of the
// connection), __filename ("/" and the path from the main script's folder,
// as Pipy gives it), __argv (the arguments of the use() that started the
// stream, see use below; null elsewhere) and, in a stream started by fork, `this` (its
// element of the session data).
//
// use(module, pipeline, argv...) takes its arguments as Pipy does: one array
// is the argv itself; one function is called at each stream's first event,
// in the caller's context, and its result (an array, or one value) is the
// argv; several values are the argv. Plain values are copied into the used
// module's runtime; Data is shared; a function stays a function that, called
// from the used module, runs the caller's function in the running stream's
// context (so a configuration module can hand what it read back to the
// script that uses it, as Pipy's reverse-proxy recipe does).
//
// # Globals
//
// Defined by this package: Data (new Data(), new Data(string [, encoding]),
// new Data(Data), new Data([bytes]); size, push(Data|string), shift(n),
// toString([utf8|hex|base64|base64url])), Message (new Message([head,]
// [body[, tail]]); head, body and tail, the tail being what follows the body:
// HTTP trailers, such as gRPC's grpc-status), MessageStart(head),
// MessageEnd([tail]) with tail, SessionEnd([error
// [, message]]) with error (Pipy's name of the kind, such as
// "ConnectionRefused", "" for a normal end) and message, Session (new
// Session([module,] pipeline).input(events) starts a stream of that
// pipeline on the current worker, in the caller's context, its output
// discarded; done, remoteAddress, remotePort, localAddress, localPort),
// JSON.encode(value) → Data and JSON.decode(Data) → value besides the
// standard JSON (JSON.parse and JSON.decode give undefined for input that
// is not JSON, as in Pipy), repeat([count,] fn) (calls fn(0), fn(1), … until
// it returns a falsy value or count times; returns the last result), and
// console.log (also info, debug, warn, error) to the logger, with the script
// position. new Message() without a head or body has null there. The other global modules (os, URL, algo,
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
// HTTP heads appear as objects { method, path, protocol, headers, scheme,
// authority } and { protocol, status, statusText, headers } (an HTTP/1
// request's scheme, "http" or "https" by its connection, and authority,
// its Host, are computed when read and not listed by Object.keys, as
// in Pipy 0.x; an HTTP/2 request's are its :scheme
// and :authority; either version's are set alike), Dubbo heads as { id, status,
// isRequest, isTwoWay, isEvent, serialization }: live views, so assigning a
// field changes the head the next filters see. headers is keyed by
// lower-case names (lookups ignore case); a field repeated in the message
// reads as its values joined with ", ", except set-cookie, which reads as an
// array; assigning an array sets one field per element, undefined or delete
// removes the field. Heads built by scripts are exported to map[string]any,
// which the encoders accept.
//
// # Proxying
//
// decodeHttpRequest shows each request as a proxy must pass it on: an
// absolute-form target (GET http://x/admin/secret) in origin form with its
// authority as Host, its path's dot segments resolved, so a rule on
// msg.head.path cannot be bypassed by how the target is spelled; and no
// hop-by-hop fields (Connection and the fields it names, Keep-Alive, TE,
// Transfer-Encoding, Proxy-Connection, Upgrade unless an upgrade is asked
// for, which then shows as headers.upgrade and passes on). decodeHttpResponse
// does the same for answers. See the http1 package for the details.
// X-Forwarded-For and X-Forwarded-Proto take one line before the request is
// encoded, appending to a list the client sent (as nginx's
// $proxy_add_x_forwarded_for):
//
//	.onMessageStart(({ head: { headers: h } }) => (
//	  h['x-forwarded-for'] = (h['x-forwarded-for'] ? h['x-forwarded-for'] + ', ' : '') + __inbound.remoteAddress,
//	  h['x-forwarded-proto'] = 'http'))
//
// Body limits (sluice extensions): decodeHttpRequest({ maxBodySize: '64m' })
// answers a request whose body is larger with 413 and closes; without it
// the decoder sets no limit, and a body passing through streams with no
// growth in memory. The filters that collect whole messages — onMessage,
// onMessageBody, replaceMessage, replaceMessageBody and mux — hold at most
// 16 MiB of each body, or what a last options argument says:
// onMessage(cb, { maxBodySize: '64m' }), replaceMessage(r, { maxBodySize:
// -1 }) for no bound, mux(target, selector, { maxBodySize }). A body past
// the bound ends the stream with a BufferOverflow SessionEnd (the callback
// is not called), and an HTTP server answers the request 413.
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
//
// # Budgets
//
// Each callback call, and a script's top-level code, runs under a time
// budget (Options.Timeout, 1 s by default): past it the JavaScript is
// interrupted (goja's Runtime.Interrupt) and the callback fails as if it had
// thrown, with an *Error wrapping ErrTimeout at the position where it was
// stopped. One watchdog per worker does it: each call only stores a couple
// of atomics, and a timer ticks (every quarter budget, at most 50 ms) only
// while callbacks run. The same tick interrupts a callback that runs while
// the heap is over Options.MemoryLimit (ErrMemoryLimit), and a worker being
// stopped (pipeline.Worker.Interrupt) interrupts its running callback
// (ErrInterrupted). Goja has no allocation limit of its own, so the memory
// guard is a heuristic on the process's heap, and a single native step
// (a string repeated a billion times) cannot be interrupted until it ends.
//
// # Differences from Pipy 0.x kept on purpose
//
// Scripts written for Pipy 0.x run unchanged; these differences remain,
// each for the reason given. Add to the group that fits.
//
// The language:
//   - Arithmetic is standard JavaScript (goja): undefined + 1 is NaN, where
//     Pipy's own engine gives 1, so counts[i]++ on a missing element gives
//     NaN here. A second engine's quirks are not worth copying; write
//     counts[i] = (counts[i] || 0) + 1.
//   - Standard JavaScript is accepted where Pipy's parser is narrower (typeof,
//     statements and declarations at the top level, and so on).
//
// Network and security:
//   - connect verifies the upstream's TLS certificate (system roots, or
//     tls.trusted); Pipy does not verify at all. tls: { insecure: true }
//     gives Pipy's behaviour. Silently trusting any certificate is not a safe
//     default.
//   - listen(port) listens on every address, IPv6 included; Pipy listens on
//     0.0.0.0 only. Options.ListenHost chooses.
//
// Options and units:
//   - A duration string is read as Go and people read it: '100ms' is 100
//     milliseconds. Pipy reads the number and the last letter only, so its
//     '100ms' is 100 seconds. '5s', '2m', '1h' and '1d' mean the same in both.
//   - tap refills its budget continuously (a token bucket holding one
//     second's worth) and charges a message at its start; Pipy refills the
//     whole second's quota at once each second and charges at the message's
//     end. Over a second both let the same amount through, without bursts of
//     two seconds' worth.
//
// The API:
//   - use(module, pipeline, value) with one value that is neither an array
//     nor a function passes [value] as __argv; Pipy drops it. An argv is the
//     argv of the streams that use started; in Pipy it is set on the
//     context and stays visible to later use() calls without arguments.
//   - __inbound outside a connection (a task, a Session it starts) is an
//     object with empty addresses and port 0; Pipy gives null. Code that
//     reads it in a task then gets empty values instead of a TypeError.
//   - Some calls accept more than Pipy's: new SessionEnd(error, message),
//     new Session(pipeline) in the script's own module, JSON.decode of a
//     string, Data's encodings (new Data(text, 'base64'), toString('hex'):
//     Pipy 0.x ignores the encoding) and new Data([bytes]), mux and connect
//     options, algo.Cache options, the balancers' next and an
//     unhealthy-target cache (see installAlgo). console.log prints objects
//     as JSON and a Message or event with its fields, where Pipy prints
//     [object Object] and {}.
//   - The balancers remember the targets of at most 65536 tags each
//     (the most recently used); Pipy remembers every tag for ever, which
//     grows without bound when tags are per connection. The round-robin
//     balancer spreads picks smoothly (weights 5, 1, 1 give a a b a c a a;
//     Pipy gives a b c a a a a): the same shares, fewer bursts. The hashing
//     balancer hashes with its own function, so a key may map to another
//     target than in Pipy (still the same one every time).
//   - An HTTP server stream that fails before its answer started (a callback
//     throws, an encoder refuses a head) answers 500 naming the cause and
//     closes; Pipy closes without an answer, which leaves the client guessing.
//     Behind demux, a request whose stream fails gets that 500 in its place
//     and the connection goes on (the next request gets its own answer);
//     demux(target, {onFail: replacement}) replaces it (the replacement is
//     given the SessionEnd; onFail and bufferLimit are not in Pipy). Demux
//     streams answers as they come (Pipy buffers each whole), passes 100
//     Continue on and turns a 101 into a tunnel.
//   - Decoded HTTP heads have no hop-by-hop fields (see Proxying); Pipy
//     0.x takes out only the framing fields and forwards the others.
//   - A collecting filter holds at most 16 MiB of a body unless told
//     otherwise (see Proxying); Pipy 0.x holds any size, so one large
//     upload can take the whole process's memory.
//   - encodeDubbo() without an argument encodes each message's own head;
//     Pipy 0.x ignores the message's head and writes defaults (ids counting
//     from 0, status 0, a two-way request), against its own description.
//
// Encodings (same meaning, other bytes):
//   - Header names come out lower-case in the order the head holds them;
//     Pipy's order is scrambled. Connection: keep-alive on HTTP/1.1 and
//     Connection: close on HTTP/1.0 are left out, being the defaults.
//   - Object keys iterate in insertion order (JSON.stringify, XML.encode);
//     Pipy's order is scrambled. JSON.stringify(3.5) is 3.5; Pipy writes
//     3.500000.
//   - XML: text and attribute values are escaped (Pipy writes them raw,
//     which is not XML); an element without attributes has {} (Pipy: null);
//     adjacent text is one string (Pipy: one per piece the parser saw); a
//     named node with several children is still written (Pipy: "").
//   - Hessian: the compact forms Java's encoder writes (short ints,
//     fixed-length lists, doubles stored as thousandths) where Pipy always
//     writes 4-byte ints, open-ended lists and 8-byte doubles. Java reads
//     both; Pipy's own decoder misreads some compact forms, and writes 1e300
//     as a broken long.
package script
