// Package filter holds sluice's protocol-neutral filters: the ones Pipy
// scripts call by the same names (connect, demux, mux, fork, link, use,
// wait, tap, exec, dump, print, dummy) and the on* and replace* filters
// that hand events to a callback. Each constructor returns a
// pipeline.Filter; the protocol filters live in the codec packages.
//
// # Callbacks
//
// A filter's callbacks (the on* and replace* functions, a condition, a
// selector) follow the contract of pipeline.Filter: they run on the
// stream's worker, and, as the filter is shared by every stream of its
// pipeline, possibly concurrently for streams on different workers. A
// callback that borrows an event reads it during the call and does not
// change it; one that owns it may keep or consume it. A replace* callback
// writes its replacement to out during the call only, and keeping the
// stream's grammar (MessageStart, Data..., MessageEnd) is up to it.
//
// A panic in a callback ends the stream with a runtime-error SessionEnd
// naming the filter, and the event at hand is dropped (what the callback
// wrote before panicking has gone on). Once the stream has ended,
// callbacks are not called and events are dropped. A constructor given a
// nil callback panics.
//
// # Whole messages
//
// OnMessage, OnMessageBody, ReplaceMessage, ReplaceMessageBody and Mux
// collect each message with an event.MessageReader, bounded by
// MessageOptions.MaxBodySize.
//
// # Names
//
// Infos lists every filter of the package with its parameters; that table is
// behind `sluice --list-filters` and `--help-filters`. CONTRIBUTING.md at
// the repository root tells how to add a filter.
package filter
