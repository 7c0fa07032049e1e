// Package dubbo frames Dubbo messages: it turns the bytes of a Dubbo
// connection into sluice messages and back.
//
// A Dubbo frame is a 16-byte header followed by a body of the length the
// header states:
//
//	+--------+--------+--------+--------+--------------------+--------------+
//	| 0xda   | 0xbb   | flags  | status | request id (8, BE) | length (4,BE)|
//	+--------+--------+--------+--------+--------------------+--------------+
//	| body (length bytes, usually Hessian 2)                                |
//	+-----------------------------------------------------------------------+
//
// The flag byte holds FlagRequest (0x80), FlagTwoWay (0x40), FlagEvent
// (0x20) and, in its low five bits, the serialization id. The package does
// not look inside bodies: they pass through as bytes, and serializing them is
// the business of a Hessian codec.
//
// Each frame is one message: an *event.MessageStart whose Head is a *Head,
// the body as *event.Data, and an *event.MessageEnd.
//
// Two filters put the codec in a pipeline: Decode (decodeDubbo in scripts)
// turns a connection's bytes into messages, and Encode (encodeDubbo) turns
// messages back into bytes, each as a message whose body is the frame. The
// encoder reads any head by field name, as Pipy does (an HTTP head is a
// two-way request with a fresh id); a head given as its argument replaces
// the message's. A Dubbo proxy is typically
//
//	decodeDubbo → (route, inspect, rewrite messages) → encodeDubbo → connect
//
// and, since a decoded head re-encodes to the same bytes, frames that are not
// rewritten leave the proxy exactly as they came in.
//
// The pure logic is in this package's Decoder (a push parser that accepts
// input split anywhere and emits events without copying the body), AppendFrame
// and Encoder (which also numbers messages that come without an id), and
// HeadOf (which reads any head by the names id, status, isRequest, isTwoWay,
// isEvent and serialization, coercing values through event.Int and
// event.Bool). None of them blocks or locks; each
// Decoder and Encoder belongs to one stream.
//
// Errors wrap the sentinels ErrBadMagic, ErrBodyTooLarge, ErrTruncated and
// ErrInvalidHead; a malformed frame is a *SyntaxError carrying the byte offset
// of the frame.
package dubbo
