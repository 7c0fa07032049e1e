// Package pipeline is the sluice engine: pipelines of filters, the streams
// that run them, the workers that execute streams, and the servers and tasks
// that attach pipelines to the outside world.
//
// # What an embedder uses
//
// A Go service or sidecar needs about ten names from this package; the rest
// is for people who write filters (below).
//
//   - Pipeline, made with New(name, filters...): an immutable template, an
//     ordered list of Filters. The filters themselves come from package
//     filter (protocol-neutral: connect, demux, fork, replaceMessage,
//     Async for Go handlers that block, …) and the codec packages
//     (codec/http1's decodeHttpRequest, encodeHttpResponse, muxHTTP, …).
//   - Filter and Target: what a filter is, and where events go. TargetFunc
//     makes a Target of a func; Emit writes a whole message to one.
//   - Stream: one running instance of a pipeline (one connection). Go
//     callbacks receive it first, for its Context and Logger.
//   - Context: the state of one connection: its addresses, typed values
//     (Value, SetValue), and Notify for what waits on them.
//   - Serve(ctx, ln, p): the recommended way to serve a pipeline. It runs p
//     for every connection accepted from ln, any net.Listener the program
//     made (TCP, TLS, unix, in-memory), on GOMAXPROCS workers, until ctx is
//     done.
//   - Server, for more control: NewServer(p, group), then Serve(ln) on one
//     or several listeners, ServeConn for connections the host accepts
//     itself, SetPipeline to reload, Shutdown(ctx) to drain and Close.
//   - Module and Start: a set of named, listen and task pipelines, as a
//     script defines them; filters refer to each other's pipelines by name
//     there (filter.To("name")), Build resolves the names, and Start runs
//     the listen and task pipelines as a Program.
//   - Group and WorkerOptions: the workers a Server or Program runs on, and
//     their clock and logger.
//
// A pipeline that refers to another by a name never resolved (built outside
// a Module, or its Module not built) is not served: Serve and Server.Serve
// return an error naming it (CheckBound). Tests drive pipelines without
// sockets, on a manual clock, with package pipelinetest.
//
// # Model
//
// A Stream owns one instance of each filter of its pipeline, chained head to
// tail:
//
//	          Stream.Input                                   output Target
//	socket ──► ┌────────┐   ┌────────┐       ┌────────┐ ──► (socket, parent
//	parent     │filter 1│──►│filter 2│─ … ──►│filter n│      filter, test)
//	test       └────────┘   └────────┘       └────────┘
//	                │ link/fork/demux/mux start sub-streams of other pipelines
//
// Every filter of every stream bound to a Worker runs on that worker, one
// event at a time, so filter instances keep plain fields and never lock.
// Anything that blocks (dialing, reading, writing, processes, timers, a Go
// handler in filter.Async) runs on its own goroutine and comes back with
// Stream.Post or Worker.Post. The exception is reading TCP connections on
// Linux: a worker keeps an epoll set of its sockets and reads only what is
// ready, without blocking, so a request costs one read instead of a
// goroutine's read that first finds nothing.
//
// # Stream lifecycle
//
// A stream's output receives exactly one SessionEnd, last. The stream ends
// when a SessionEnd comes out of its last filter, when a filter fails
// (Stream.Fail, or a panic, which becomes a runtime-error SessionEnd naming
// the filter), or when a SessionEnd has gone in and no filter holds the
// stream (Stream.Hold) any more. Ending runs the OnClose functions, which
// close what the filters opened.
//
// # For filter authors
//
// A filter is a template (Filter: Info, and New for the per-stream instance,
// a Target) whose instances run on their stream's worker and never block.
// The pieces a filter uses:
//
//   - Stream: Fail, Catch (a panic in a callback becomes the stream's
//     failure), Hold and Release (output still owed after the input ended),
//     OnClose, Post (a goroutine's result back on the worker), AfterFunc
//     (timers on the worker's clock).
//   - NewStream: a sub-stream of another pipeline, owned by the filter that
//     starts it. Binder and Resolver: references by name, resolved by
//     Module.Build; Linker: the pipelines a filter starts, for cycle checks.
//   - Worker: Post, Local (per-worker state such as shared budgets and
//     pools), FlushLater, OnInterrupt; Clock and Timer.
//   - Socket (an inbound net.Conn with bounded write queues), Outbound (a
//     connection the stream dials: retries, timeouts, TLS, the kernel
//     relay of a Stream's Inbound socket), Valve (flow control through the
//     Context), RequestTracker (request boundaries, for draining).
//
// pipeline/API.md, next to this file, is the filter author's guide: the
// contracts above in detail, with the conventions of package filter.
package pipeline
