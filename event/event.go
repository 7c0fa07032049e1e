package event

import (
	"fmt"
	"strings"
)

// Event is one of *Data, *MessageStart, *MessageEnd or *SessionEnd. The set is
// closed: no other package can add a kind, so a type switch over the four is
// exhaustive. Passing an event to a Target hands it over; a receiver may consume
// a *Data it is given (Shift from it), so a sender that keeps an event while
// passing it on passes a Clone.
type Event interface {
	isEvent()
	// String describes the event in one line, for logs and dumps.
	String() string
}

// MessageStart begins a message. Head is protocol-specific (for example an
// *http1.RequestHead) or a plain map supplied by a script; it may be nil.
type MessageStart struct {
	Head any
}

// MessageEnd ends the message begun by the last MessageStart: its body is
// complete. Tail carries what a protocol sends after the body (HTTP trailers),
// or nil.
type MessageEnd struct {
	Tail any
}

// SessionEnd is the last event of a stream. Err says why the stream ended
// (NoError for a normal end); Message gives details for humans; Cause, when not
// nil, is the Go error behind it, for errors.Is and errors.As.
type SessionEnd struct {
	Err     ErrorKind
	Message string
	Cause   error
}

func (*Data) isEvent()         {}
func (*MessageStart) isEvent() {}
func (*MessageEnd) isEvent()   {}
func (*SessionEnd) isEvent()   {}

// String describes the message start and its head.
func (m *MessageStart) String() string {
	if m.Head == nil {
		return "MessageStart"
	}
	return fmt.Sprintf("MessageStart %v", m.Head)
}

// String describes the message end and its tail, if any.
func (m *MessageEnd) String() string {
	if m.Tail == nil {
		return "MessageEnd"
	}
	return fmt.Sprintf("MessageEnd %v", m.Tail)
}

// String describes the session end, its kind and message.
func (e *SessionEnd) String() string {
	var b strings.Builder
	b.WriteString("SessionEnd")
	if e.Err != NoError {
		b.WriteString(" ")
		b.WriteString(e.Err.String())
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

// Error returns the session end as an error: nil when Err is NoError. The error
// wraps Cause when there is one.
func (e *SessionEnd) Error() error {
	if e == nil || e.Err == NoError {
		return nil
	}
	return &SessionError{Kind: e.Err, Message: e.Message, Cause: e.Cause}
}

// End returns a SessionEnd of the given kind whose Message is err's text and
// whose Cause is err.
func End(kind ErrorKind, err error) *SessionEnd {
	if err == nil {
		return &SessionEnd{Err: kind}
	}
	return &SessionEnd{Err: kind, Message: err.Error(), Cause: err}
}

// ErrorKind says why a stream ended. The kinds match Pipy's, so scripts and Go
// code can branch on them; the zero value is NoError.
type ErrorKind uint8

// The error kinds a SessionEnd can carry.
const (
	NoError           ErrorKind = iota // the stream ended normally
	UnknownError                       // a failure of no other kind
	RuntimeError                       // a filter or script callback failed (panic, exception)
	ReadError                          // reading from a peer failed (reset, broken pipe)
	WriteError                         // writing to a peer failed
	CannotResolve                      // a target's name or address could not be resolved
	ConnectionRefused                  // the peer refused the connection
	Unauthorized                       // the peer rejected our credentials (TLS handshake)
	BufferOverflow                     // a bounded buffer would have overflowed
	ProtocolError                      // a peer sent bytes a codec could not decode
	Timeout                            // a connect, read, write or idle timeout expired
)

var kindNames = [...]string{
	NoError:           "no error",
	UnknownError:      "unknown error",
	RuntimeError:      "runtime error",
	ReadError:         "read error",
	WriteError:        "write error",
	CannotResolve:     "cannot resolve",
	ConnectionRefused: "connection refused",
	Unauthorized:      "unauthorized",
	BufferOverflow:    "buffer overflow",
	ProtocolError:     "protocol error",
	Timeout:           "timeout",
}

// String returns the kind's name as logs and scripts show it ("read error").
func (k ErrorKind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("error kind %d", uint8(k))
}

// SessionError is a SessionEnd seen as a Go error.
type SessionError struct {
	Kind    ErrorKind
	Message string
	Cause   error
}

// Error returns "event: <kind>: <message>".
func (e *SessionError) Error() string {
	if e.Message == "" {
		return "event: " + e.Kind.String()
	}
	return "event: " + e.Kind.String() + ": " + e.Message
}

// Unwrap returns the cause.
func (e *SessionError) Unwrap() error { return e.Cause }

// Message is a whole message: its head and its complete body. It is the value
// onMessage callbacks see and replaceMessage callbacks return. Body may be nil
// for an empty body.
type Message struct {
	Head any
	Body *Data
	Tail any
}

// NewMessage returns a message with the given head and body bytes (copied).
func NewMessage(head any, body string) *Message {
	return &Message{Head: head, Body: FromString(body)}
}

// String describes the message's head and body size.
func (m *Message) String() string {
	n := 0
	if m.Body != nil {
		n = m.Body.Len()
	}
	return fmt.Sprintf("Message %v (%d bytes)", m.Head, n)
}
