// Package pipelinetest runs pipelines in-process for tests: no sockets
// needed, no goroutines of its own, no sleeps. A Harness starts one stream
// of a pipeline on a worker driven by the test goroutine, with a manual
// Clock; the test feeds events (or raw bytes), reads what comes out, and
// advances time to fire timers.
//
// Work that filters hand to goroutines (dials, real sockets, processes,
// filter.Async handlers) comes back as tasks posted to the worker. Advance
// first runs what is already posted, and reads what the worker's sockets
// already have, then moves the clock, so that an answer that arrived before
// the call comes before a timeout the call fires. Wait runs tasks as they
// come and checks its condition after each batch and, while the worker is
// idle, every few milliseconds, until the condition holds or its limit
// passes, so a condition that a goroutine makes true (a fake upstream
// recording a request) is seen as well. Helpers split byte inputs at every offset, collect
// messages, describe events, and check the event grammar, which every
// harness checks at cleanup.
package pipelinetest
