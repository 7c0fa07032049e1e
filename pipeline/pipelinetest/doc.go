// Package pipelinetest runs pipelines in-process for tests: no sockets, no
// goroutines of its own, no sleeps. A Harness starts one stream of a
// pipeline on a worker driven by the test goroutine, with a manual Clock;
// the test feeds events (or raw bytes), reads what comes out, and advances
// time to fire timers. Helpers split byte inputs at every offset, collect
// messages, describe events, and check the event grammar, which every
// harness checks at cleanup.
package pipelinetest
