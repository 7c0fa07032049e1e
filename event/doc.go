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
// Whole messages: MessageReader assembles a Message from its events, and is
// the one place where messages are collected, so the bound on a collected
// body (DefaultMaxBodySize, 16 MiB, unless set) lives there; past it Read
// returns ErrBodyTooLarge and the collecting filter ends its stream with a
// BufferOverflow SessionEnd.
//
// Heads: a MessageStart's Head is a property bag, as in Pipy. Every head
// exposes its fields by name (the Head interface, implemented by the codecs'
// typed heads and by Fields), so any encoder can read any head; FieldOf also
// reads a plain map[string]any. Loose values (numbers of any Go type,
// float64 from JavaScript, numeric strings, booleans) are coerced in one
// place: Int, String and Bool.
//
// Ownership: handing an event to the next stage hands it over. A stage that
// keeps an event and also passes it on keeps a Clone; Data clones share their
// chunks, so cloning costs no copy of the payload. The one exception is lent
// Data (Loan, Data.Lent): a socket's small read lent, without a copy, to a
// stage that declares it takes such Data (pipeline.Borrower), valid only
// during that Input call. Only the HTTP/1 decoders' filters borrow; every
// other stage gets Data that owns its bytes, so the rule above holds for
// them unchanged.
package event
