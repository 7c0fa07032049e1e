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
// mean "GET", "/" and "HTTP/1.1". It returns how the body must be written,
// or an error wrapping ErrInvalidHead, having written nothing, when h cannot
// be encoded safely (a method that is not a token, a path with spaces or
// control bytes, a field name that is not a token, a value with CR, LF or
// another control byte).
func WriteRequestHead(out *event.Data, h *RequestHead, length int64) (Framing, error) {
	method, path, proto := h.Method, h.Path, h.Protocol
	if method == "" {
		method = "GET"
	}
	if path == "" {
		path = "/"
	}
	if proto == "" {
		proto = proto11
	}
	if !isToken(method) {
		return 0, fmt.Errorf("%w: method %q", ErrInvalidHead, method)
	}
	for i := 0; i < len(path); i++ {
		if !targetOK[path[i]] {
			return 0, fmt.Errorf("%w: path %q", ErrInvalidHead, path)
		}
	}
	if proto != proto11 && proto != proto10 {
		return 0, fmt.Errorf("%w: protocol %q", ErrInvalidHead, proto)
	}
	if err := checkHeaders(h.Headers); err != nil {
		return 0, err
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
	out.PushString(method)
	out.PushString(" ")
	out.PushString(path)
	out.PushString(" ")
	out.PushString(proto)
	out.PushString("\r\n")
	writeHeaders(out, h.Headers, true, false)
	writeConnection(out, h.Headers, h.Connection, proto)
	switch framing {
	case FramingLength:
		writeContentLength(out, length)
	case FramingChunked:
		out.PushString("transfer-encoding: chunked\r\n")
	default:
		if !bodilessMethod(method) {
			out.PushString("content-length: 0\r\n")
		}
	}
	out.PushString("\r\n")
	return framing, nil
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
// "HTTP/1.1". It returns how the body must be written, or an error wrapping
// ErrInvalidHead, having written nothing, when h cannot be encoded safely.
func WriteResponseHead(out *event.Data, h *ResponseHead, length int64) (Framing, error) {
	status, text, proto := h.Status, h.StatusText, h.Protocol
	if status == 0 {
		status = 200
	}
	if text == "" {
		text = StatusText(status)
	}
	if proto == "" {
		proto = proto11
	}
	if status < 100 || status > 999 {
		return 0, fmt.Errorf("%w: status %d", ErrInvalidHead, status)
	}
	for i := 0; i < len(text); i++ {
		if !valueOK[text[i]] {
			return 0, fmt.Errorf("%w: status text %q", ErrInvalidHead, text)
		}
	}
	if proto != proto11 && proto != proto10 {
		return 0, fmt.Errorf("%w: protocol %q", ErrInvalidHead, proto)
	}
	if err := checkHeaders(h.Headers); err != nil {
		return 0, err
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
	var nb [3]byte
	out.PushString(proto)
	out.PushString(" ")
	out.Push(strconv.AppendInt(nb[:0], int64(status), 10))
	out.PushString(" ")
	out.PushString(text)
	out.PushString("\r\n")
	writeHeaders(out, h.Headers, noFraming, stripConnection)
	if !stripConnection {
		writeConnection(out, h.Headers, h.Connection, proto)
	}
	switch framing {
	case FramingLength:
		writeContentLength(out, length)
	case FramingChunked:
		out.PushString("transfer-encoding: chunked\r\n")
	case FramingClose:
		out.PushString("connection: close\r\n")
	default:
		if length == 0 && status >= 200 && status != 204 && status != 304 {
			out.PushString("content-length: 0\r\n")
		}
	}
	out.PushString("\r\n")
	return framing, nil
}

func writeContentLength(out *event.Data, n int64) {
	var nb [20]byte
	out.PushString("content-length: ")
	out.Push(strconv.AppendInt(nb[:0], n, 10))
	out.PushString("\r\n")
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

// writeConnection writes the Connection field mode calls for when hs does
// not already say it: "close" for ConnClose, and "keep-alive" for
// ConnKeepAlive on HTTP/1.0, whose default is to close.
func writeConnection(out *event.Data, hs Headers, mode ConnMode, proto string) {
	switch {
	case mode == ConnClose && connModeOf(hs) != ConnClose:
		out.PushString("connection: close\r\n")
	case mode == ConnKeepAlive && proto == proto10 && connModeOf(hs) == ConnDefault:
		out.PushString("connection: keep-alive\r\n")
	}
}

// writeHeaders writes the fields, leaving out the framing fields when
// stripFraming and the Connection fields when stripConnection.
func writeHeaders(out *event.Data, hs Headers, stripFraming, stripConnection bool) {
	for _, f := range hs {
		if stripFraming && (equalFold(f.Name, "content-length") || equalFold(f.Name, "transfer-encoding")) {
			continue
		}
		if stripConnection && equalFold(f.Name, "connection") {
			continue
		}
		out.PushString(f.Name)
		out.PushString(": ")
		out.PushString(f.Value)
		out.PushString("\r\n")
	}
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
