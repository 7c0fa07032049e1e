package event

import (
	"errors"
	"fmt"
	"io"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The four kinds are events; a type switch over them is exhaustive.
var (
	_ Event = (*Data)(nil)
	_ Event = (*MessageStart)(nil)
	_ Event = (*MessageEnd)(nil)
	_ Event = (*SessionEnd)(nil)
)

func TestErrorKindString(t *testing.T) {
	tests := []struct {
		kind ErrorKind
		want string
	}{
		{NoError, "no error"},
		{UnknownError, "unknown error"},
		{RuntimeError, "runtime error"},
		{ReadError, "read error"},
		{WriteError, "write error"},
		{CannotResolve, "cannot resolve"},
		{ConnectionRefused, "connection refused"},
		{Unauthorized, "unauthorized"},
		{BufferOverflow, "buffer overflow"},
		{ProtocolError, "protocol error"},
		{Timeout, "timeout"},
		{Timeout + 1, "error kind 11"},
		{255, "error kind 255"},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.kind.String(), "kind %d", uint8(tt.kind))
		assert.False(t, seen[tt.want], "two kinds named %q", tt.want)
		seen[tt.want] = true
	}
	var zero ErrorKind
	assert.Equal(t, NoError, zero, "the zero value is NoError")
}

func TestSessionEndError(t *testing.T) {
	cause := fmt.Errorf("dial: %w", net.ErrClosed)
	tests := []struct {
		name    string
		end     *SessionEnd
		wantNil bool
		wantMsg string
		wantIs  error
	}{
		{name: "nil", end: nil, wantNil: true},
		{name: "normal end", end: &SessionEnd{}, wantNil: true},
		{name: "normal end with message", end: &SessionEnd{Message: "bye"}, wantNil: true},
		{name: "kind only", end: &SessionEnd{Err: Timeout}, wantMsg: "event: timeout"},
		{name: "kind and message", end: &SessionEnd{Err: ProtocolError, Message: "bad chunk size"},
			wantMsg: "event: protocol error: bad chunk size"},
		{name: "with cause", end: &SessionEnd{Err: ReadError, Message: cause.Error(), Cause: cause},
			wantMsg: "event: read error: dial: use of closed network connection", wantIs: net.ErrClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.end.Error()
			if tt.wantNil {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, tt.wantMsg, err.Error())

			var se *SessionError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, tt.end.Err, se.Kind)
			assert.Equal(t, tt.end.Message, se.Message)
			assert.Equal(t, tt.end.Cause, se.Unwrap())
			assert.Equal(t, tt.end.Cause, errors.Unwrap(err))
			if tt.wantIs != nil {
				assert.ErrorIs(t, err, tt.wantIs)
				assert.ErrorIs(t, err, tt.end.Cause)
			}
			assert.NotErrorIs(t, err, io.EOF)
		})
	}
}

func TestSessionErrorAs(t *testing.T) {
	// errors.As reaches a typed cause through the SessionError.
	cause := &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset")}
	err := End(ReadError, cause).Error()
	var op *net.OpError
	require.ErrorAs(t, err, &op)
	assert.Same(t, cause, op)
}

func TestEnd(t *testing.T) {
	e := End(Timeout, nil)
	assert.Equal(t, &SessionEnd{Err: Timeout}, e)

	cause := fmt.Errorf("read: %w", io.ErrUnexpectedEOF)
	e = End(ReadError, cause)
	assert.Equal(t, ReadError, e.Err)
	assert.Equal(t, "read: unexpected EOF", e.Message)
	assert.Same(t, cause, e.Cause)
	assert.ErrorIs(t, e.Error(), io.ErrUnexpectedEOF)
	assert.EqualError(t, e.Error(), "event: read error: read: unexpected EOF")

	// A normal end with a cause is still not an error.
	assert.NoError(t, End(NoError, io.EOF).Error())
	assert.Equal(t, "SessionEnd: EOF", End(NoError, io.EOF).String())
}

func TestEventString(t *testing.T) {
	tests := []struct {
		name string
		evt  Event
		want string
	}{
		{"MessageStart without head", &MessageStart{}, "MessageStart"},
		{"MessageStart with head", &MessageStart{Head: map[string]any{"method": "GET"}}, "MessageStart map[method:GET]"},
		{"MessageStart with string head", &MessageStart{Head: "hello"}, "MessageStart hello"},
		{"MessageEnd without tail", &MessageEnd{}, "MessageEnd"},
		{"MessageEnd with tail", &MessageEnd{Tail: map[string]string{"x-checksum": "1"}}, "MessageEnd map[x-checksum:1]"},
		{"SessionEnd normal", &SessionEnd{}, "SessionEnd"},
		{"SessionEnd normal with message", &SessionEnd{Message: "bye"}, "SessionEnd: bye"},
		{"SessionEnd kind", &SessionEnd{Err: ConnectionRefused}, "SessionEnd connection refused"},
		{"SessionEnd kind and message", &SessionEnd{Err: BufferOverflow, Message: "limit 10"}, "SessionEnd buffer overflow: limit 10"},
		{"Data", FromString("payload"), "payload"},
		{"empty Data", NewData(), ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.evt.String(), tt.name)
	}
}

func TestEventTypeSwitch(t *testing.T) {
	kind := func(e Event) string {
		switch e.(type) {
		case *Data:
			return "data"
		case *MessageStart:
			return "start"
		case *MessageEnd:
			return "end"
		case *SessionEnd:
			return "session end"
		default:
			return "other"
		}
	}
	got := []string{kind(NewData()), kind(&MessageStart{}), kind(&MessageEnd{}), kind(&SessionEnd{})}
	assert.Equal(t, []string{"data", "start", "end", "session end"}, got)
}

func TestNewMessageCopiesBody(t *testing.T) {
	m := NewMessage("head", "body")
	assert.Equal(t, "head", m.Head)
	assert.Equal(t, "body", m.Body.String())
	assert.Nil(t, m.Tail)
}

func TestMessageString(t *testing.T) {
	assert.Equal(t, "Message GET / (5 bytes)", NewMessage("GET /", "hello").String())
	assert.Equal(t, "Message <nil> (0 bytes)", (&Message{}).String())
	assert.Equal(t, "Message map[a:1] (0 bytes)", (&Message{Head: map[string]int{"a": 1}}).String())
}
