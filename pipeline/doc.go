// Package pipeline is the sluice engine: pipelines of filters, the streams
// that run them, the workers that execute streams, and the servers and tasks
// that attach pipelines to the outside world.
//
// # Model
//
// A Pipeline is an immutable template: a name, a kind (named, listen, task)
// and an ordered list of Filters. A Stream is one running instance of a
// pipeline (Pipy's session): it owns one instance of each filter, chained head
// to tail.
//
//	          Stream.Input                                   output Target
//	socket ──► ┌────────┐   ┌────────┐       ┌────────┐ ──► (socket, parent
//	parent     │filter 1│──►│filter 2│─ … ──►│filter n│      filter, test)
//	test       └────────┘   └────────┘       └────────┘
//	                │ link/fork/demux/mux start sub-streams of other pipelines
//
// Every filter of every stream bound to a Worker runs on that worker, one
// event at a time, so filter instances keep plain fields and never lock.
// Anything that blocks (dialing, reading, writing, processes, timers) runs on
// its own goroutine and comes back with Stream.Post or Worker.Post. The
// exception is reading TCP connections on Linux: a worker keeps an epoll set
// of its sockets and reads only what is ready, without blocking, so a
// request costs one read instead of a goroutine's read that first finds
// nothing.
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
// # Attaching to the outside
//
// Server runs a pipeline for each connection from a net.Listener the host
// owns (Serve) or for one connection (ServeConn), shaped like net/http.
// Socket joins any net.Conn to a stream with bounded write queues: when a
// peer reads slowly, the context's Valve closes and reading on the other side
// pauses. Module groups named, listen and task pipelines and resolves the
// names filters use; Start runs a module's listeners and tasks as a Program.
//
// Tests drive streams without sockets through package pipelinetest.
package pipeline
