package http1

import (
	"errors"
	"strconv"

	"github.com/sluice-go/sluice/event"
)

// A server stream that fails while a request waits for its answer answers
// it with 500 rather than closing with an empty reply: encodeHttpResponse
// owes every request it has been told of (by decodeHttpRequest in its
// context) exactly one response. The failure reaches the encoder in one of
// two ways: as an error SessionEnd coming down the chain, or through
// Stream.OnFail when a filter anywhere in the stream fails (a callback that
// throws in onMessageStart, say), whose SessionEnd goes straight to the
// output.

// maxCauseLen bounds the cause quoted in a failure response's body.
const maxCauseLen = 200

// owesAnswer reports whether end, an error ending the stream, leaves a
// request without the start of its response: a response being buffered, or
// a request decodeHttpRequest recorded that no response has taken yet. A
// response whose head is out cannot be replaced; the connection just closes.
func (e *encodeResponse) owesAnswer(end *event.SessionEnd) bool {
	if end.Err == event.NoError || e.done || (e.head != nil && e.headOut) {
		return false
	}
	if e.head != nil {
		return true
	}
	conn := e.serverConn()
	return conn != nil && len(conn.pending) > 0 && conn.failStatus == 0
}

// answerFailure is the encoder's Stream.OnFail handler: when the stream
// fails while a request is owed an answer, it sends the 500 and the
// SessionEnd on, and reports true.
func (e *encodeResponse) answerFailure(end *event.SessionEnd) bool {
	if e.s.Ended() || !e.owesAnswer(end) {
		return false
	}
	out := new(event.Data)
	WriteFailureResponse(out, end)
	e.observeOwed(FailureStatus(end))
	e.msg, e.head, e.body, e.done = nil, nil, nil, true
	e.emitSynthetic(FailureStatus(end), out)
	e.next.Input(end)
	return true
}

// emitSynthetic passes on a response the encoder wrote itself (bytes in out,
// closing the connection) as a whole message, like every encoded response.
func (e *encodeResponse) emitSynthetic(status int, out *event.Data) {
	h := NewResponseHead(status)
	h.Connection = ConnClose
	e.next.Input(&event.MessageStart{Head: h})
	e.next.Input(out)
	e.next.Input(&event.MessageEnd{})
}

// FailureStatus is the status a request gets when its stream ends with end
// before its answer: 413 when a filter collecting the request found its body
// too large (the Cause wraps event.ErrBodyTooLarge), 500 otherwise.
func FailureStatus(end *event.SessionEnd) int {
	if errors.Is(end.Cause, event.ErrBodyTooLarge) {
		return 413
	}
	return 500
}

// WriteFailureResponse appends to out a complete response for a request
// whose answer was lost because its stream ended with end: the status
// FailureStatus gives, "Connection: close" and a short text/plain body
// naming the cause (the error kind and message, at most 200 bytes of it,
// control bytes replaced).
func WriteFailureResponse(out *event.Data, end *event.SessionEnd) {
	cause := end.Err.String()
	if end.Message != "" {
		cause += ": " + end.Message
	}
	if len(cause) > maxCauseLen {
		cause = cause[:maxCauseLen] + "..."
	}
	status := FailureStatus(end)
	body := []byte(StatusText(status) + ": " + cause + "\n")
	for i, c := range body[:len(body)-1] {
		if c < 0x20 || c == 0x7f {
			body[i] = ' '
		}
	}
	out.PushString("HTTP/1.1 " + strconv.Itoa(status) + " " + StatusText(status) + "\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ")
	out.PushString(strconv.Itoa(len(body)))
	out.PushString("\r\n\r\n")
	out.Push(body)
}
