// Package event defines what flows through a sluice pipeline: the four event
// kinds (*Data, *MessageStart, *MessageEnd, *SessionEnd), the chunked byte
// buffer Data, and the whole-message value Message.
//
// A well-formed stream of events follows the grammar
//
//	stream  = ( message | Data )* SessionEnd
//	message = MessageStart Data* MessageEnd
//
// There is no separate start event: a stream's initial event is whatever
// event it sees first.
//
// Ownership: handing an event to the next stage hands it over. A stage that
// keeps an event and also passes it on keeps a Clone; Data clones share their
// chunks, so cloning costs no copy of the payload.
package event
