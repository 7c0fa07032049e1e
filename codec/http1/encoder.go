package http1

import (
	"fmt"
	"strconv"

	"github.com/sluice-go/sluice/event"
)

// Framing says how the body after a head written by WriteRequestHead or
// WriteResponseHead must be written.
type Framing uint8

// The framings the head writers choose.
const (
	// FramingNone: no body follows the head.
	FramingNone Framing = iota
	// FramingLength: exactly the announced Content-Length bytes follow,
	// written as they are.
	FramingLength
	// FramingChunked: each piece of the body is written with WriteChunk,
	// and the body is ended with WriteLastChunk.
	FramingChunked
	// FramingClose: the body is written as it is and ends when the
	// connection closes (an HTTP/1.0 response of unknown length).
	FramingClose
)

// Special values of the length argument of WriteRequestHead and
// WriteResponseHead; a length >= 0 is the exact body size.
const (
	// UnknownLength: the body's size is not known when the head is
	// written; it is sent chunked (or, for an HTTP/1.0 response, delimited
	// by closing the connection).
	UnknownLength int64 = -1
	// NoBody: no body follows and the head's own framing fields are kept
	// as they are, as a response to HEAD (or a 304) needs.
	NoBody int64 = -2
)

// WriteRequestHead appends h, encoded, to out, with framing fields for a
// body of the given length: Content-Length for a known length (omitted when
// it is zero for methods that carry no body, such as GET), Transfer-Encoding:
// chunked for UnknownLength, in which case an HTTP/1.0 request line is sent
// as HTTP/1.1 since HTTP/1.0 has no chunked coding. Any Content-Length and
// Transfer-Encoding fields of h are replaced. Empty Method, Path and Protocol
// mean "GET", "/" and "HTTP/1.1", and so does Protocol "HTTP/2" (a request
// that came over HTTP/2 goes on over HTTP/1.1). It returns how the body must be written,
// or an error wrapping ErrInvalidHead, having written nothing, when h cannot
// be encoded safely (a method that is not a token, a path with spaces or
// control bytes, a field name that is not a token, a value with CR, LF or
// another control byte).
func WriteRequestHead(out *event.Data, h *RequestHead, length int64) (Framing, error) {
	var buf [headBuffer]byte
	b, framing, err := appendRequestHead(buf[:0], h, length)
	out.Push(b)
	return framing, err
}

// headBuffer is the room on the stack the head writers start with; a larger
// head grows onto the heap.
const headBuffer = 512

// appendRequestHead is WriteRequestHead appending to b.
func appendRequestHead(b []byte, h *RequestHead, length int64) ([]byte, Framing, error) {
	method, path, proto := h.Method, h.Path, h.Protocol
	if method == "" {
		method = "GET"
	}
	if path == "" {
		path = "/"
	}
	if proto == "" || proto == "HTTP/2" || proto == "HTTP/2.0" {
		proto = proto11 // a request that came over HTTP/2 goes on as HTTP/1.1
	}
	if !isToken(method) {
		return b, 0, fmt.Errorf("%w: method %q", ErrInvalidHead, method)
	}
	for i := 0; i < len(path); i++ {
		if !targetOK[path[i]] {
			return b, 0, fmt.Errorf("%w: path %q", ErrInvalidHead, path)
		}
	}
	if proto != proto11 && proto != proto10 {
		return b, 0, fmt.Errorf("%w: protocol %q", ErrInvalidHead, proto)
	}
	if err := checkHeaders(h.Headers); err != nil {
		return b, 0, err
	}
	framing := FramingNone
	switch {
	case length > 0:
		framing = FramingLength
	case length == 0 || length == NoBody:
	default:
		framing = FramingChunked
		proto = proto11
	}
	b = append(b, method...)
	b = append(b, ' ')
	b = append(b, path...)
	b = append(b, ' ')
	b = append(b, proto...)
	b = append(b, "\r\n"...)
	b = appendHeaders(b, h.Headers, true, false)
	b = appendConnection(b, h.Headers, h.Connection, proto)
	switch framing {
	case FramingLength:
		b = appendContentLength(b, length)
	case FramingChunked:
		b = append(b, "transfer-encoding: chunked\r\n"...)
	default:
		if !bodilessMethod(method) {
			b = append(b, "content-length: 0\r\n"...)
		}
	}
	b = append(b, "\r\n"...)
	return b, framing, nil
}

// bodilessMethod reports whether requests of the method normally carry no
// body, so that an empty one needs no Content-Length.
func bodilessMethod(m string) bool {
	switch m {
	case "GET", "HEAD", "DELETE", "OPTIONS", "TRACE", "CONNECT":
		return true
	}
	return false
}

// WriteResponseHead appends h, encoded, to out, with framing fields for a
// body of the given length. A 1xx or 204 response never has a body nor
// framing fields; a 304 response, or any response written with NoBody
// (a response to HEAD), keeps the framing fields h has and has no body.
// Otherwise a known length gives Content-Length, and UnknownLength gives
// Transfer-Encoding: chunked, or for an HTTP/1.0 response a body delimited
// by closing the connection (with "connection: close"). Any Content-Length
// and Transfer-Encoding fields of h are replaced. Zero Status, empty
// StatusText and Protocol mean 200, the usual reason phrase, and
// "HTTP/1.1", and so does Protocol "HTTP/2". It returns how the body must be written, or an error wrapping
// ErrInvalidHead, having written nothing, when h cannot be encoded safely.
func WriteResponseHead(out *event.Data, h *ResponseHead, length int64) (Framing, error) {
	var buf [headBuffer]byte
	b, framing, err := appendResponseHead(buf[:0], h, length)
	out.Push(b)
	return framing, err
}

// appendResponseHead is WriteResponseHead appending to b.
func appendResponseHead(b []byte, h *ResponseHead, length int64) ([]byte, Framing, error) {
	status, text, proto := h.Status, h.StatusText, h.Protocol
	if status == 0 {
		status = 200
	}
	if text == "" {
		text = StatusText(status)
	}
	if proto == "" || proto == "HTTP/2" || proto == "HTTP/2.0" {
		proto = proto11 // an answer that came over HTTP/2 goes on as HTTP/1.1
	}
	if status < 100 || status > 999 {
		return b, 0, fmt.Errorf("%w: status %d", ErrInvalidHead, status)
	}
	for i := 0; i < len(text); i++ {
		if !valueOK[text[i]] {
			return b, 0, fmt.Errorf("%w: status text %q", ErrInvalidHead, text)
		}
	}
	if proto != proto11 && proto != proto10 {
		return b, 0, fmt.Errorf("%w: protocol %q", ErrInvalidHead, proto)
	}
	if err := checkHeaders(h.Headers); err != nil {
		return b, 0, err
	}
	framing := FramingNone
	noFraming, stripConnection := true, false
	switch {
	case status < 200 || status == 204:
	case status == 304 || length == NoBody:
		noFraming = false
	case length > 0:
		framing = FramingLength
	case length == 0:
	case proto == proto10:
		framing = FramingClose
		stripConnection = true
	default:
		framing = FramingChunked
	}
	b = append(b, proto...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, ' ')
	b = append(b, text...)
	b = append(b, "\r\n"...)
	b = appendHeaders(b, h.Headers, noFraming, stripConnection)
	if !stripConnection {
		b = appendConnection(b, h.Headers, h.Connection, proto)
	}
	switch framing {
	case FramingLength:
		b = appendContentLength(b, length)
	case FramingChunked:
		b = append(b, "transfer-encoding: chunked\r\n"...)
	case FramingClose:
		b = append(b, "connection: close\r\n"...)
	default:
		if length == 0 && status >= 200 && status != 204 && status != 304 {
			b = append(b, "content-length: 0\r\n"...)
		}
	}
	b = append(b, "\r\n"...)
	return b, framing, nil
}

func appendContentLength(b []byte, n int64) []byte {
	b = append(b, "content-length: "...)
	b = strconv.AppendInt(b, n, 10)
	return append(b, "\r\n"...)
}

// checkHeaders returns an error wrapping ErrInvalidHead and ErrBadHeader,
// naming the field, for the first field that cannot be written safely: a
// name that is not a token, a value with CR, LF, NUL or another control
// byte (tab aside).
func checkHeaders(hs Headers) error {
	for _, f := range hs {
		if !isToken(f.Name) {
			return fmt.Errorf("%w: %w: name %q", ErrInvalidHead, ErrBadHeader, f.Name)
		}
		for i := 0; i < len(f.Value); i++ {
			if !valueOK[f.Value[i]] {
				return fmt.Errorf("%w: %w: value of %q has byte %#02x", ErrInvalidHead, ErrBadHeader, f.Name, f.Value[i])
			}
		}
	}
	return nil
}

// appendConnection appends the Connection field mode calls for when hs does
// not already say it: "close" for ConnClose, and "keep-alive" for
// ConnKeepAlive on HTTP/1.0, whose default is to close.
func appendConnection(b []byte, hs Headers, mode ConnMode, proto string) []byte {
	switch {
	case mode == ConnClose && connModeOf(hs) != ConnClose:
		b = append(b, "connection: close\r\n"...)
	case mode == ConnKeepAlive && proto == proto10 && connModeOf(hs) == ConnDefault:
		b = append(b, "connection: keep-alive\r\n"...)
	}
	return b
}

// appendHeaders appends the fields, leaving out the framing fields when
// stripFraming and the Connection fields when stripConnection.
func appendHeaders(b []byte, hs Headers, stripFraming, stripConnection bool) []byte {
	for _, f := range hs {
		if stripFraming && (equalFold(f.Name, "content-length") || equalFold(f.Name, "transfer-encoding")) {
			continue
		}
		if stripConnection && equalFold(f.Name, "connection") {
			continue
		}
		b = append(b, f.Name...)
		b = append(b, ": "...)
		b = append(b, f.Value...)
		b = append(b, "\r\n"...)
	}
	return b
}

// WriteChunk appends body to out as one chunk of a chunked body: its size
// in hexadecimal, CRLF, the bytes (sharing body's chunks, not copying them),
// CRLF. An empty body writes nothing, since an empty chunk would end the
// body. body is left unchanged.
func WriteChunk(out *event.Data, body *event.Data) {
	if body == nil || body.Len() == 0 {
		return
	}
	var nb [18]byte
	b := strconv.AppendInt(nb[:0], int64(body.Len()), 16)
	b = append(b, '\r', '\n')
	out.Push(b)
	out.PushData(body)
	out.PushString("\r\n")
}

// WriteLastChunk appends the end of a chunked body to out: the zero-size
// chunk, the trailer fields (Content-Length, Transfer-Encoding and Host are
// left out, as they are not allowed in trailers), and the final CRLF. It
// returns an error wrapping ErrInvalidHead, having written nothing, when a
// trailer field cannot be written safely.
func WriteLastChunk(out *event.Data, trailers Headers) error {
	if err := checkHeaders(trailers); err != nil {
		return err
	}
	out.PushString("0\r\n")
	for _, f := range trailers {
		if equalFold(f.Name, "content-length") || equalFold(f.Name, "transfer-encoding") || equalFold(f.Name, "host") {
			continue
		}
		out.PushString(f.Name)
		out.PushString(": ")
		out.PushString(f.Value)
		out.PushString("\r\n")
	}
	out.PushString("\r\n")
	return nil
}

// WriteErrorResponse appends to out a complete, minimal error response for
// status, as a server sends before closing a connection it cannot go on
// with: "HTTP/1.1 400 Bad Request", Connection: close, Content-Length: 0.
// A status outside 100..999 is written as 500.
func WriteErrorResponse(out *event.Data, status int) {
	if status < 100 || status > 999 {
		status = 500
	}
	var nb [3]byte
	out.PushString("HTTP/1.1 ")
	out.Push(strconv.AppendInt(nb[:0], int64(status), 10))
	out.PushString(" ")
	out.PushString(StatusText(status))
	out.PushString("\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
}

// NewResponseHead returns a new HTTP/1.1 response head with the given status,
// its usual reason phrase and no fields, for responses a proxy makes up
// itself (an upstream failure answered with 502, for example).
func NewResponseHead(status int) *ResponseHead {
	return &ResponseHead{Protocol: proto11, Status: status, StatusText: StatusText(status)}
}
