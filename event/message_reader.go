package event

import "fmt"

// DefaultMaxBodySize is the body bound of a MessageReader whose MaxBodySize
// is zero: 16 MiB. It is the bound every filter that collects whole messages
// (onMessage, onMessageBody, replaceMessage, replaceMessageBody, mux) has
// unless told otherwise.
const DefaultMaxBodySize = 16 << 20

// MessageReader assembles whole messages from a stream of events: a
// MessageStart begins one with its head, each Data inside it is added to its
// body (sharing the Data's chunks, no copy), and the MessageEnd completes
// it with its tail. It is the one place where messages are collected, so
// the bound on how much a collected body may hold is kept here.
//
// The zero value is ready to use, with the default bound. A MessageReader
// belongs to one stream and is not safe for concurrent use.
type MessageReader struct {
	// MaxBodySize bounds the body of each message, in bytes: zero means
	// DefaultMaxBodySize, a negative value no bound.
	MaxBodySize int64
	// HeadOnly makes Read keep no body: the message it returns has an empty
	// Body whatever the Data, MaxBodySize does not apply, and the message
	// is the reader's own, valid until the next Read (nothing is
	// allocated). For a reader whose caller looks at heads only.
	HeadOnly bool

	msg *Message     // the message so far; nil outside a message
	own messageBlock // the message HeadOnly reuses
}

// Read takes the next event of the stream. At a MessageEnd that completes a
// message it returns the message, which it no longer holds (Body is empty,
// not nil, for a bodiless message); otherwise nil. A Data outside a message
// and a MessageEnd without a MessageStart are ignored; a MessageStart
// inside a message drops the unfinished one and begins anew; a SessionEnd
// drops an unfinished message. When a Data would make the body larger than
// MaxBodySize, Read drops the message and returns an error wrapping
// ErrBodyTooLarge; the caller usually ends its stream with it (see
// BufferOverflow). The Data given is never consumed: a caller may pass it
// on as well.
func (r *MessageReader) Read(evt Event) (*Message, error) {
	switch e := evt.(type) {
	case *MessageStart:
		b := &r.own
		if !r.HeadOnly {
			b = &messageBlock{} // the message and its body in one allocation
		}
		b.body = Data{}
		b.msg = Message{Head: e.Head, Body: &b.body}
		r.msg = &b.msg
	case *Data:
		if r.msg == nil || r.HeadOnly {
			return nil, nil
		}
		if max := r.max(); max >= 0 && int64(r.msg.Body.Len())+int64(e.Len()) > max {
			r.msg = nil
			return nil, fmt.Errorf("%w (more than %d bytes)", ErrBodyTooLarge, max)
		}
		r.msg.Body.PushData(e)
	case *MessageEnd:
		msg := r.msg
		if msg == nil {
			return nil, nil
		}
		r.msg = nil
		msg.Tail = e.Tail
		return msg, nil
	case *SessionEnd:
		r.msg = nil
	}
	return nil, nil
}

// messageBlock is a message Read collects with its body: one allocation, not
// two. The body is an ordinary Data the message's owner may keep, replace or
// hand on.
type messageBlock struct {
	msg  Message
	body Data
}

// InMessage reports whether a message has begun and not yet ended: whether
// a Data given to Read now would be part of a body.
func (r *MessageReader) InMessage() bool { return r.msg != nil }

// Reset drops the message in progress, if any.
func (r *MessageReader) Reset() { r.msg = nil }

// max is the bound in effect: -1 for none.
func (r *MessageReader) max() int64 {
	switch {
	case r.MaxBodySize == 0:
		return DefaultMaxBodySize
	case r.MaxBodySize < 0:
		return -1
	}
	return r.MaxBodySize
}
