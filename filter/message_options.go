package filter

import (
	"fmt"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// MessageOptions configure the filters that collect whole messages before
// acting on them: OnMessage, OnMessageBody, ReplaceMessage,
// ReplaceMessageBody (and MuxOptions.MaxBodySize for Mux). The zero value
// works.
type MessageOptions struct {
	// MaxBodySize bounds the body of each message collected, in bytes:
	// zero means event.DefaultMaxBodySize (16 MiB), a negative value no
	// bound. A body growing past it ends the stream with a BufferOverflow
	// SessionEnd whose Cause wraps event.ErrBodyTooLarge (the callback is
	// not called); encodeHttpResponse answers the request it owes with 413.
	MaxBodySize int64
	// HeadOnly tells that the callback looks at the message's head only (a
	// replacement that does not depend on the message): bodies are not
	// collected (Body is empty), MaxBodySize does not apply, and the
	// message is valid only during the callback. ReplaceMessage and
	// OnMessage honour it.
	HeadOnly bool
}

// messageOptions returns the options given, at most one, or the zero value.
func messageOptions(opts []MessageOptions) MessageOptions {
	if len(opts) > 0 {
		return opts[0]
	}
	return MessageOptions{}
}

// readMessage gives evt to r; when the body has grown past its bound it
// fails s, naming the filter, and reports false.
func readMessage(s *pipeline.Stream, name string, r *event.MessageReader, evt event.Event) (*event.Message, bool) {
	msg, err := r.Read(evt)
	if err != nil {
		failTooLarge(s, name, err)
		return nil, false
	}
	return msg, true
}

// failTooLarge ends s for a body grown past its bound, naming the filter.
func failTooLarge(s *pipeline.Stream, name string, err error) {
	s.Fail(event.BufferOverflow, fmt.Errorf("%s: %w", name, err))
}
