// Package sluice is a programmable network proxy library: the model of the
// Pipy proxy, in Go. Traffic flows as events through pipelines of filters;
// filters decode, inspect, rewrite, route and re-encode those events.
//
// # Events
//
// Four kinds of event, in package event, make up every stream:
//
//	stream  = ( message | Data )* SessionEnd
//	message = MessageStart Data* MessageEnd
//
// Data carries bytes (a chunked buffer that shares chunks instead of copying
// them); MessageStart carries a protocol head (an HTTP request line and
// headers, a Dubbo header); MessageEnd closes the message; SessionEnd ends the
// stream and says why (no error, read error, connection refused, …).
//
// # Flow
//
//	client ──► Server ──► Stream of a listen pipeline ──────────────► client
//	                      decode → route → connect ──► upstream
//	                                       ◄── upstream bytes ──┘
//
// Package pipeline holds the engine (Pipeline, Stream, Worker, Server,
// Module); package filter the protocol-neutral filters (connect, link, fork,
// demux, mux, wait, tap, exec and the callback filters); codec/http1 and
// codec/dubbo the protocol codecs; codec/hessian the Hessian 2.0
// serialization and algo the URL router, cache, load balancers and resource
// pool that scripts use, both importable from Go; package script loads
// JavaScript configurations written for Pipy; pipeline/pipelinetest runs
// pipelines in-process for tests.
//
// # Typical use
//
// A TCP proxy in Go, on a listener the program owns:
//
//	ln, _ := net.Listen("tcp", "127.0.0.1:8000")
//	p := pipeline.New("proxy", filter.Connect("127.0.0.1:8080", filter.ConnectOptions{}))
//	srv := pipeline.NewServer(p, nil) // GOMAXPROCS workers
//	go srv.Serve(ln)
//	defer srv.Shutdown(ctx)
//
// The same from JavaScript, run with `sluice proxy.js`:
//
//	pipy().listen(8000).connect('127.0.0.1:8080')
package sluice
