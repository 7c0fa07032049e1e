package http1

import (
	"bytes"
	"math"

	"github.com/sluice-go/sluice/event"
)

// Decoder turns a byte stream into HTTP/1.x messages, incrementally: bytes
// are pushed in with Decode in pieces of any size, and messages come out as
// events as soon as their parts are known. However the stream is split
// between Decode calls, the decoder emits the same messages (heads, body
// bytes, trailers) and reports the same error.
//
// For each message it emits one *event.MessageStart whose Head is a
// *RequestHead or *ResponseHead (its Headers less the hop-by-hop fields,
// see stripHopByHop; what Connection said is the head's Connection), the
// body as zero or more *event.Data sharing
// the input's chunks (body bytes are never copied), and one
// *event.MessageEnd whose Tail is the trailer section as Headers, or nil.
// After a response with status 101, a 2xx response to CONNECT, or a call to
// Tunnel, the rest of the stream is emitted as *event.Data outside any
// message.
//
// Framing follows RFC 9112 strictly: any input whose message boundaries are
// ambiguous is rejected with a *SyntaxError rather than guessed at (see the
// package documentation for what is refused and what is accepted). After a
// message whose head asks to close the connection, further input is
// discarded. After an error the decoder stays failed: every later call
// returns the same error.
//
// A Decoder is not safe for concurrent use; it belongs to one stream.
type Decoder struct {
	opts     Options
	response bool
	state    state
	err      error
	off      int64 // stream offset of the next byte to decode

	// The head (or trailer section) being accumulated.
	buf       []byte  // its bytes so far; header names lower-cased in place
	headStart int64   // stream offset of buf[0]
	lineStart int     // start of the current line in buf
	first     int     // start of the start line in buf; -1 before it is complete
	fields    []field // the fields decoded so far
	facts     facts
	line      startLine

	// The message in progress.
	left        int64 // bytes left in the Content-Length body or the chunk
	chunkLine   int   // bytes of the chunk-size line so far
	chunkDigits int   // hex digits of the chunk size so far
	ext         extState
	body        *event.Data
	bodyRoom    *event.Data       // an empty Data allocated with the head, for its body's first piece
	bodyText    []byte            // room left in the head's block, for a copy of that piece (lent input)
	end         *event.MessageEnd // non-nil between MessageStart and MessageEnd
	closing     bool              // the connection closes after this message
	tunnelAfter bool              // the stream becomes a tunnel after this message
	method      string            // request: last method; response: last RequestMethod result
	bodyN       int64             // chunked body bytes announced so far, against MaxBodySize
}

type state uint8

const (
	stHead        state = iota // between messages, or in a head
	stBody                     // in a Content-Length body
	stChunkSize                // in the size of a chunk-size line
	stChunkSizeWS              // in whitespace after the chunk size
	stChunkExt                 // in the chunk extensions
	stChunkSizeLF              // expecting the LF ending a chunk-size line
	stChunkData                // in chunk data
	stChunkDataCR              // expecting the CR after chunk data
	stChunkDataLF              // expecting the LF after chunk data
	stTrailer                  // in a trailer section
	stUntilClose               // in a body delimited by the end of the stream
	stTunnel                   // no more messages: every byte is passed on
	stDiscard                  // no more messages: every byte is dropped
	stEnded                    // End was called
)

// extState is where a chunk-size line is in its extensions.
type extState uint8

const (
	extName   extState = iota // after ';': a name must come (after BWS)
	extRest                   // in a name or a token value
	extQuoted                 // in a quoted-string value
	extEscape                 // after a backslash in a quoted string
)

// field locates one header field in Decoder.buf.
type field struct{ n0, n1, v0, v1 int32 }

// startLine locates the parts of the start line in Decoder.buf.
type startLine struct {
	a0, a1 int // request: method; response: reason phrase
	t0, t1 int // request: target
	proto  string
	status int
	target targetInfo // request: what to show instead of the target
}

// facts are what the head's fields say about framing and persistence.
type facts struct {
	length        int64 // Content-Length, -1 when absent
	te            bool  // a Transfer-Encoding field is present
	teLine        int   // start in buf of the last Transfer-Encoding field
	teCodings     int   // number of transfer codings listed
	teLastChunked bool  // the last coding listed is chunked
	teTwice       bool  // chunked is followed by another coding
	hosts         int
	close         bool // a Connection field lists "close"
	keepAlive     bool // a Connection field lists "keep-alive"
	connUpgrade   bool // a Connection field lists "upgrade"
	connNames     bool // a Connection field lists other options: fields to drop
	upgrade       bool // an Upgrade field is present
	bodiless      bool // (responses) no body whatever the fields say
}

// Interned protocol and method strings, so that decoded heads compare
// cheaply and hold no reference into the head copy for them.
const (
	proto10 = "HTTP/1.0"
	proto11 = "HTTP/1.1"
)

// NewRequestDecoder returns a decoder for the requests a client sends.
func NewRequestDecoder(opts Options) *Decoder {
	return &Decoder{opts: opts.withDefaults(), first: -1, facts: facts{length: -1}}
}

// NewResponseDecoder returns a decoder for the responses a server sends.
// opts.RequestMethod tells it which responses answer HEAD or CONNECT.
func NewResponseDecoder(opts Options) *Decoder {
	return &Decoder{opts: opts.withDefaults(), response: true, first: -1, facts: facts{length: -1}}
}

// Decode decodes all of in, which it consumes (in is empty on return; the
// body Data it emits share in's chunks, unless in is lent (event.Loan):
// then they are copies, and Decode keeps nothing of in), and calls emit
// with each event in order. It returns nil, or the *SyntaxError that stopped the decoder, or
// ErrEnded after End. Decode keeps no reference to emit.
func (d *Decoder) Decode(in *event.Data, emit func(event.Event)) error {
	if d.err != nil {
		d.off += int64(in.Len())
		in.Reset()
		return d.err
	}
	if d.state == stEnded {
		in.Reset()
		return ErrEnded
	}
	for in.Len() > 0 && d.err == nil {
		switch d.state {
		case stHead, stTrailer:
			d.readHead(in, emit)
		case stBody:
			n := min(int64(in.Len()), d.left)
			d.take(in, int(n))
			if d.left -= n; d.left == 0 {
				d.endMessage(emit)
			}
		case stChunkData:
			n := min(int64(in.Len()), d.left)
			d.take(in, int(n))
			if d.left -= n; d.left == 0 {
				d.state = stChunkDataCR
			}
		case stUntilClose, stTunnel:
			d.take(in, in.Len())
		case stDiscard:
			d.off += int64(in.Len())
			in.Reset()
		default:
			d.readChunkFraming(in, emit)
		}
	}
	d.flushBody(emit)
	if d.err != nil {
		d.off += int64(in.Len())
		in.Reset()
	}
	return d.err
}

// End tells the decoder the stream has ended. It completes a body delimited
// by the end of the stream, emitting its MessageEnd. It returns nil when the
// stream ended between messages (or in a tunnel), or a *SyntaxError wrapping
// ErrUnexpectedEnd when it ended inside a message, or the error that had
// already stopped the decoder. Calling End again returns the same result.
func (d *Decoder) End(emit func(event.Event)) error {
	if d.err != nil {
		return d.err
	}
	switch d.state {
	case stEnded, stTunnel, stDiscard:
	case stHead:
		if d.headStarted() {
			d.err = d.errAtOffset(d.off, ErrUnexpectedEnd, "unexpected end of stream in message head")
			return d.err
		}
	case stUntilClose:
		d.endMessage(emit)
	case stTrailer:
		d.err = d.errAtOffset(d.off, ErrUnexpectedEnd, "unexpected end of stream in trailer section")
		return d.err
	default:
		d.err = d.errAtOffset(d.off, ErrUnexpectedEnd, "unexpected end of stream in message body")
		return d.err
	}
	d.state = stEnded
	return nil
}

// InHead reports whether part of a head has been received but not all of
// it: the state a server times out (408) when it lasts too long. Empty lines
// before a start line (which the decoder skips) do not count: a stray CRLF
// after a request leaves the connection idle, not in a head.
func (d *Decoder) InHead() bool { return d.state == stHead && d.err == nil && d.headStarted() }

// headStarted reports whether buf holds more than empty lines and a CR.
func (d *Decoder) headStarted() bool {
	rest := len(d.buf) - d.lineStart
	return d.first >= 0 || rest > 1 || (rest == 1 && d.buf[d.lineStart] != '\r')
}

// InMessage reports whether a MessageStart has been emitted whose MessageEnd
// has not.
func (d *Decoder) InMessage() bool { return d.end != nil }

// Closing reports whether the last head decoded asked to close the
// connection after its message (Connection: close, HTTP/1.0 without
// keep-alive, or a response body delimited by the end of the stream). Once
// that message is complete the decoder discards further input.
func (d *Decoder) Closing() bool { return d.closing }

// Method returns, for a request decoder, the method of the last request head
// decoded; for a response decoder, what RequestMethod returned for the last
// final response. It is "" before that.
func (d *Decoder) Method() string { return d.method }

// Offset returns the number of bytes consumed so far.
func (d *Decoder) Offset() int64 { return d.off }

// Err returns the error that stopped the decoder, or nil.
func (d *Decoder) Err() error { return d.err }

// Tunneled reports whether the decoder is in tunnel mode: every later byte
// passes on as Data.
func (d *Decoder) Tunneled() bool { return d.state == stTunnel }

// Tunnel switches the decoder to tunnel mode: every later byte is emitted as
// Data outside any message. It is for a request decoder whose connection was
// switched to another protocol by the response (101, or 2xx to CONNECT). It
// succeeds, and reports true, only between messages with no byte of a next
// head received.
func (d *Decoder) Tunnel() bool {
	if d.err != nil || d.state != stHead || len(d.buf) > 0 {
		return false
	}
	d.state = stTunnel
	return true
}

// take moves the first n bytes of in to the pending body.
func (d *Decoder) take(in *event.Data, n int) {
	d.off += int64(n)
	if d.body == nil {
		d.body, d.bodyRoom = d.bodyRoom, nil
		if d.body == nil {
			d.body = new(event.Data)
		}
	}
	in.ShiftTo(n, d.body)
}

// flushBody emits the pending body bytes, if any, owning their bytes: a
// lent input (event.Loan) is copied, as nothing of it may outlive Decode;
// the first such copy of a message goes into its head's block when it fits.
func (d *Decoder) flushBody(emit func(event.Event)) {
	if d.body != nil {
		b := d.body
		d.body = nil
		if b.Len() > 0 {
			if b.OwnIn(d.bodyText) {
				d.bodyText = nil
			}
			emit(b)
		}
	}
}

func (d *Decoder) fail(err *SyntaxError) { d.err = err }

// readHead accumulates head (or trailer) bytes from in, handling each line
// as it completes, until the head is complete or in is exhausted. It copies
// a chunk up to its first CRLFCRLF (the usual end of a head) at once, or the
// whole chunk when there is none; bytes copied beyond the line that ends the
// head are given back.
func (d *Decoder) readHead(in *event.Data, emit func(event.Event)) {
	consumed := 0
	for _, c := range in.Chunks() {
		for len(c) > 0 {
			seg := c
			if k := bytes.Index(c, crlfcrlf); k >= 0 {
				seg = c[:k+4]
			}
			if len(d.buf) == 0 {
				d.headStart = d.off + int64(consumed)
			}
			base := len(d.buf)
			d.buf = append(d.buf, seg...)
			done, used, err := d.lines(base)
			if err != nil {
				d.fail(err)
				return
			}
			consumed += used
			c = c[used:]
			if done {
				in.Skip(consumed)
				d.off += int64(consumed)
				if d.state == stHead {
					d.finishHead(emit)
				} else {
					d.finishTrailer(emit)
				}
				return
			}
		}
	}
	in.Skip(consumed)
	d.off += int64(consumed)
}

var crlfcrlf = []byte("\r\n\r\n")

// lines handles the lines completed in buf[base:], checking the limits as if
// the bytes had arrived one line at a time. It reports whether the head is
// complete and how many bytes of buf[base:] belong to it; when it is
// complete, buf is cut after its last line.
func (d *Decoder) lines(base int) (done bool, used int, err *SyntaxError) {
	n := len(d.buf)
	for pos := base; pos < n; {
		end := n
		i := bytes.IndexByte(d.buf[pos:n], '\n')
		if i >= 0 {
			end = pos + i + 1
		}
		if err := d.checkLimits(end); err != nil {
			return false, 0, err
		}
		if i < 0 {
			break
		}
		done, err := d.endLine(end - 1)
		if err != nil {
			return false, 0, err
		}
		pos = end
		if done {
			d.buf = d.buf[:end]
			return true, end - base, nil
		}
	}
	return false, n - base, nil
}

// checkLimits checks buf[:n], the head received so far, against the
// start-line and head-size limits, and checks that a request line begins
// with a method (so that bytes of another protocol, a TLS ClientHello say,
// are refused at once rather than when a line ends or the head times out).
// Each condition is found at a position that only depends on the bytes
// received, and the earliest wins, so the error does not depend on how the
// input was split.
func (d *Decoder) checkLimits(n int) *SyntaxError {
	linePos, methodPos := -1, -1
	if d.first < 0 && d.state == stHead {
		le := n
		if d.buf[n-1] == '\n' {
			le--
			if le > d.lineStart && d.buf[le-1] == '\r' {
				le--
			}
			if le-d.lineStart > d.opts.MaxLineSize {
				// Found where an incomplete line would be: at the byte
				// after the limit, which may be the CR or a bare LF.
				linePos = d.lineStart + d.opts.MaxLineSize + 1
			}
		} else if le-d.lineStart > d.opts.MaxLineSize+1 {
			// The limit counts the line's content; one more byte may be its CR.
			linePos = d.lineStart + d.opts.MaxLineSize + 1
		}
		if !d.response {
			methodPos = d.badMethodByte(n)
		}
	}
	headPos := -1
	if n > d.opts.MaxHeadSize {
		headPos = d.opts.MaxHeadSize
	}
	if methodPos >= 0 && (linePos < 0 || methodPos < linePos) && (headPos < 0 || methodPos < headPos) {
		return d.errAt(methodPos, ErrMalformed, "malformed request line")
	}
	switch {
	case linePos >= 0 && (headPos < 0 || linePos <= headPos):
		if d.response {
			return d.errAt(linePos, ErrLineTooLong, "status line too long")
		}
		return d.errAt(linePos, ErrLineTooLong, "request line too long")
	case headPos >= 0:
		if d.state == stTrailer {
			return d.errAt(headPos, ErrHeadTooLarge, "trailer section too large")
		}
		return d.errAt(headPos, ErrHeadTooLarge, "message head too large")
	}
	return nil
}

// badMethodByte returns the position in buf[:n] of the first byte of the
// request line being received that cannot begin one (a token followed by a
// space), or -1. An empty line (CRLF or LF) is no error: it is skipped.
func (d *Decoder) badMethodByte(n int) int {
	b := d.buf[d.lineStart:n]
	for i, c := range b {
		switch {
		case tokenLower[c] != 0:
		case c == ' ' && i > 0:
			return -1
		case i == 0 && c == '\n', i == 0 && c == '\r' && (len(b) == 1 || b[1] == '\n'):
			return -1
		default:
			return d.lineStart + i
		}
	}
	return -1
}

// endLine handles the line of buf ending with the LF at lf. It reports
// whether it was the empty line ending the head.
func (d *Decoder) endLine(lf int) (bool, *SyntaxError) {
	ls := d.lineStart
	d.lineStart = lf + 1
	ce := lf // the line's content ends before its CRLF, or its bare LF
	switch {
	case lf > ls && d.buf[lf-1] == '\r':
		ce = lf - 1
	case d.state == stTrailer:
		// A bare LF ends a head line (RFC 9112 section 2.2 allows it, and
		// nginx, net/http and Pipy do), but not a line of a chunked body.
		return false, d.errAt(lf, ErrMalformed, "bare LF in trailer section")
	}
	if d.first < 0 {
		if ce == ls {
			return false, nil // an empty line before the start line is ignored
		}
		d.first = ls
		if d.response {
			return false, d.statusLine(ls, ce)
		}
		return false, d.requestLine(ls, ce)
	}
	if ce == ls {
		return true, nil
	}
	return false, d.fieldLine(ls, ce)
}

// requestLine parses buf[ls:ce] as method SP request-target SP HTTP-version.
func (d *Decoder) requestLine(ls, ce int) *SyntaxError {
	b := d.buf[ls:ce]
	i := 0
	for i < len(b) && tokenLower[b[i]] != 0 {
		i++
	}
	if i == 0 || i == len(b) || b[i] != ' ' {
		return d.errAt(ls+i, ErrMalformed, "malformed request line")
	}
	method := b[:i]
	i++
	t0 := i
	if k := bytes.IndexByte(b[t0:], ' '); k >= 0 {
		i = t0 + k
	} else {
		i = len(b)
	}
	if k := firstBadTargetByte(b[t0:i]); k >= 0 {
		return d.errAt(ls+t0+k, ErrMalformed, "invalid byte in request target")
	}
	if i == t0 {
		return d.errAt(ls+i, ErrMalformed, "empty request target")
	}
	if i == len(b) {
		return d.errAt(ls+i, ErrMalformed, "malformed request line")
	}
	target := b[t0:i]
	info, bad, msg := parseTarget(method, target)
	if bad >= 0 {
		return d.errAt(ls+t0+bad, ErrMalformed, msg)
	}
	proto, err := d.version(ls+i+1, ce)
	if err != nil {
		return err
	}
	d.line = startLine{a0: ls, a1: ls + len(method), t0: ls + t0, t1: ls + i, proto: proto, target: info}
	return nil
}

// version parses buf[i:ce] as an HTTP-version.
func (d *Decoder) version(i, ce int) (string, *SyntaxError) {
	v := d.buf[i:ce]
	if len(v) == 8 && string(v[:5]) == "HTTP/" && isDigit(v[5]) && v[6] == '.' && isDigit(v[7]) {
		switch string(v) {
		case proto11:
			return proto11, nil
		case proto10:
			return proto10, nil
		}
		return "", d.errAt(i, ErrUnsupportedVersion, "unsupported HTTP version")
	}
	return "", d.errAt(i, ErrMalformed, "malformed HTTP version")
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// statusLine parses buf[ls:ce] as HTTP-version SP status-code [SP reason].
func (d *Decoder) statusLine(ls, ce int) *SyntaxError {
	b := d.buf[ls:ce]
	if len(b) < 9 || b[8] != ' ' {
		if len(b) >= 8 {
			if _, err := d.version(ls, ls+8); err != nil {
				return err
			}
		}
		return d.errAt(ls+min(len(b), 8), ErrMalformed, "malformed status line")
	}
	proto, err := d.version(ls, ls+8)
	if err != nil {
		return err
	}
	status := 0
	for k := 9; k < 12; k++ {
		if k >= len(b) || !isDigit(b[k]) || (k == 9 && b[k] == '0') {
			return d.errAt(ls+min(k, len(b)), ErrMalformed, "malformed status code")
		}
		status = status*10 + int(b[k]-'0')
	}
	r0 := 12
	if len(b) > 12 {
		if b[12] != ' ' {
			return d.errAt(ls+12, ErrMalformed, "malformed status line")
		}
		r0 = 13
		for k := r0; k < len(b); k++ {
			if !valueOK[b[k]] {
				return d.errAt(ls+k, ErrMalformed, "invalid byte in reason phrase")
			}
		}
	}
	d.line = startLine{a0: ls + r0, a1: ce, proto: proto, status: status}
	d.tunnelAfter = false
	switch {
	case status == 101:
		d.facts.bodiless, d.tunnelAfter = true, true
	case status < 200:
		d.facts.bodiless = true
	default:
		d.method = ""
		if d.opts.RequestMethod != nil {
			d.method = d.opts.RequestMethod()
		}
		switch {
		case d.method == "CONNECT" && status < 300:
			d.facts.bodiless, d.tunnelAfter = true, true
		case status == 204 || status == 304 || d.method == "HEAD":
			d.facts.bodiless = true
		}
	}
	return nil
}

// fieldLine parses buf[ls:ce] as field-name ":" OWS field-value OWS,
// lower-casing the name in place.
func (d *Decoder) fieldLine(ls, ce int) *SyntaxError {
	b := d.buf[ls:ce]
	if b[0] == ' ' || b[0] == '\t' {
		return d.errAt(ls, ErrMalformed, "obsolete line folding in header field")
	}
	i := 0
	for ; i < len(b); i++ {
		c := b[i]
		l := tokenLower[c]
		if l == 0 {
			break
		}
		if l != c {
			b[i] = l
		}
	}
	switch {
	case i == len(b):
		return d.errAt(ls+i, ErrMalformed, "missing colon in header field")
	case (b[i] == ' ' || b[i] == '\t') && bytes.IndexByte(bytes.TrimLeft(b[i:], " \t"), ':') == 0:
		return d.errAt(ls+i, ErrMalformed, "whitespace before colon in header field")
	case b[i] != ':':
		return d.errAt(ls+i, ErrMalformed, "invalid byte in header field name")
	case i == 0:
		return d.errAt(ls, ErrMalformed, "empty header field name")
	}
	if len(d.fields) >= d.opts.MaxHeaders {
		if d.state == stTrailer {
			return d.errAt(ls, ErrTooManyHeaders, "too many trailer fields")
		}
		return d.errAt(ls, ErrTooManyHeaders, "too many header fields")
	}
	v0, v1 := i+1, len(b)
	for v0 < v1 && (b[v0] == ' ' || b[v0] == '\t') {
		v0++
	}
	for v1 > v0 && (b[v1-1] == ' ' || b[v1-1] == '\t') {
		v1--
	}
	if k := firstBadValueByte(b[v0:v1]); k >= 0 {
		return d.errAt(ls+v0+k, ErrMalformed, "invalid byte in header field value")
	}
	d.fields = append(d.fields, field{int32(ls), int32(ls + i), int32(ls + v0), int32(ls + v1)})
	if d.state == stTrailer {
		return nil
	}
	value := b[v0:v1]
	switch string(b[:i]) {
	case "content-length":
		return d.contentLength(ls, ls+v0, value)
	case "transfer-encoding":
		return d.transferEncoding(ls, value)
	case "connection":
		forEachTokenBytes(value, func(t []byte) {
			switch {
			case equalFoldBytes(t, "close"):
				d.facts.close = true
			case equalFoldBytes(t, "keep-alive"):
				d.facts.keepAlive = true
			case equalFoldBytes(t, "upgrade"):
				d.facts.connUpgrade = true
			default:
				d.facts.connNames = true
			}
		})
	case "upgrade":
		d.facts.upgrade = true
	case "host":
		if d.facts.hosts++; d.facts.hosts > 1 && !d.response {
			return d.errAt(ls, ErrBadHost, "repeated host header field")
		}
	}
	return nil
}

func (d *Decoder) contentLength(ls, v0 int, v []byte) *SyntaxError {
	if d.facts.bodiless {
		return nil
	}
	if len(v) == 0 {
		return d.errAt(v0, ErrBadContentLength, "empty content-length")
	}
	var n int64
	for k, c := range v {
		if !isDigit(c) {
			return d.errAt(v0+k, ErrBadContentLength, "invalid content-length")
		}
		x := int64(c - '0')
		if n > (math.MaxInt64-x)/10 {
			return d.errAt(v0+k, ErrBadContentLength, "content-length overflow")
		}
		n = n*10 + x
	}
	if d.facts.te {
		return d.errAt(ls, ErrAmbiguousLength, "both content-length and transfer-encoding")
	}
	if d.facts.length >= 0 && d.facts.length != n {
		return d.errAt(ls, ErrBadContentLength, "conflicting content-length values")
	}
	d.facts.length = n
	return nil
}

func (d *Decoder) transferEncoding(ls int, v []byte) *SyntaxError {
	if d.facts.bodiless {
		return nil
	}
	if d.facts.length >= 0 {
		return d.errAt(ls, ErrAmbiguousLength, "both content-length and transfer-encoding")
	}
	if d.line.proto == proto10 {
		return d.errAt(ls, ErrBadTransferEncoding, "transfer-encoding in an HTTP/1.0 message")
	}
	d.facts.te = true
	d.facts.teLine = ls
	forEachTokenBytes(v, func(t []byte) {
		if d.facts.teLastChunked {
			d.facts.teTwice = true
		}
		d.facts.teCodings++
		d.facts.teLastChunked = equalFoldBytes(t, "chunked")
	})
	return nil
}

// finishHead checks the complete head, emits its MessageStart and sets the
// decoder up for the body.
func (d *Decoder) finishHead(emit func(event.Event)) {
	endLine := len(d.buf) - 2 // start of the empty line ending the head
	f := &d.facts
	next := stHead
	switch {
	case f.bodiless:
	case f.te:
		var err *SyntaxError
		switch {
		case f.teCodings == 0:
			err = d.errAt(f.teLine, ErrBadTransferEncoding, "empty transfer-encoding")
		case !f.teLastChunked:
			err = d.errAt(f.teLine, ErrBadTransferEncoding, "transfer-encoding does not end with chunked")
		case f.teTwice:
			err = d.errAt(f.teLine, ErrBadTransferEncoding, "chunked applied more than once")
		case f.teCodings > 1:
			err = d.errAt(f.teLine, ErrUnsupportedTransferCoding, "unsupported transfer coding")
		}
		if err != nil {
			d.fail(err)
			return
		}
		next = stChunkSize
	case f.length > 0:
		if max := d.opts.MaxBodySize; max > 0 && f.length > max && !d.response {
			d.fail(d.errAtOffset(d.headStart, ErrBodyTooLarge, "content-length exceeds the body size limit"))
			return
		}
		next = stBody
		d.left = f.length
	case f.length == 0:
	case d.response:
		next = stUntilClose
	}
	d.closing = f.close || (d.line.proto == proto10 && !f.keepAlive) || next == stUntilClose
	if d.response && d.line.status < 200 && !d.tunnelAfter {
		d.closing = false // an interim response says nothing about the connection
	}
	if d.response {
		d.emitResponseHead(emit, endLine)
	} else {
		d.emitRequestHead(emit, endLine)
	}
	d.resetHead()
	switch next {
	case stHead:
		d.endMessage(emit)
	case stChunkSize:
		d.state = stChunkSize
		d.left, d.chunkLine, d.chunkDigits, d.bodyN = 0, 0, 0, 0
	default:
		d.state = next
	}
}

// resetHead empties the head accumulator for the next head or trailer.
func (d *Decoder) resetHead() {
	if cap(d.buf) > 4<<10 {
		d.buf = nil // do not keep a large buffer for an idle connection
	} else {
		d.buf = d.buf[:0]
	}
	d.lineStart = 0
	d.first = -1
	d.fields = d.fields[:0]
	d.facts = facts{length: -1}
}

// endMessage emits the pending body and the MessageEnd, and picks what comes
// after the message.
func (d *Decoder) endMessage(emit func(event.Event)) {
	d.flushBody(emit)
	e := d.end
	d.end, d.bodyRoom, d.bodyText = nil, nil, nil
	switch {
	case d.tunnelAfter:
		d.state = stTunnel
	case d.closing:
		d.state = stDiscard
	default:
		d.state = stHead
	}
	emit(e)
}

// The head, its MessageStart and its MessageEnd are allocated together, with
// room for a few fields, so that a decoded head costs two allocations: this
// block and the string holding the head's bytes (one for a small head,
// whose bytes fit in its block: see head_text.go). A response's block also
// holds the Data of its body's first piece.
type requestBlock struct {
	head  RequestHead
	start event.MessageStart
	end   event.MessageEnd
}

type requestBlock4 struct {
	requestBlock
	inline [4]Header
}

type requestBlock8 struct {
	requestBlock
	inline [8]Header
}

type requestBlock12 struct {
	requestBlock
	inline [12]Header
}

type requestBlock16 struct {
	requestBlock
	inline [16]Header
}

type responseBlock struct {
	head  ResponseHead
	start event.MessageStart
	end   event.MessageEnd
	body  event.Data // the body's first piece (responses usually have one)
}

type responseBlock4 struct {
	responseBlock
	inline [4]Header
}

type responseBlock8 struct {
	responseBlock
	inline [8]Header
}

type responseBlock12 struct {
	responseBlock
	inline [12]Header
}

type responseBlock16 struct {
	responseBlock
	inline [16]Header
}

// newRequestBlock allocates a block with room for n fields, and returns it
// with the n-field slice to fill.
func newRequestBlock(n int) (*requestBlock, []Header) {
	switch {
	case n == 0:
		return new(requestBlock), nil
	case n <= 4:
		b := new(requestBlock4)
		return &b.requestBlock, b.inline[:n:n]
	case n <= 8:
		b := new(requestBlock8)
		return &b.requestBlock, b.inline[:n:n]
	case n <= 12:
		b := new(requestBlock12)
		return &b.requestBlock, b.inline[:n:n]
	case n <= 16:
		b := new(requestBlock16)
		return &b.requestBlock, b.inline[:n:n]
	}
	return new(requestBlock), make([]Header, n)
}

// newResponseBlock is newRequestBlock for responses.
func newResponseBlock(n int) (*responseBlock, []Header) {
	switch {
	case n == 0:
		return new(responseBlock), nil
	case n <= 4:
		b := new(responseBlock4)
		return &b.responseBlock, b.inline[:n:n]
	case n <= 8:
		b := new(responseBlock8)
		return &b.responseBlock, b.inline[:n:n]
	case n <= 12:
		b := new(responseBlock12)
		return &b.responseBlock, b.inline[:n:n]
	case n <= 16:
		b := new(responseBlock16)
		return &b.responseBlock, b.inline[:n:n]
	}
	return new(responseBlock), make([]Header, n)
}

func (d *Decoder) emitRequestHead(emit func(event.Event), endLine int) {
	l := &d.line
	addHost := l.target.abs && d.facts.hosts == 0
	n := len(d.fields)
	if addHost {
		n++
	}
	base := d.first
	blk, hs, s, room := newRequestBlockText(n, d.buf[base:endLine])
	d.bodyText = room
	if addHost {
		hs[0] = Header{Name: "host", Value: l.target.host}
		d.fillHeaders(hs[1:], s, base)
	} else {
		d.fillHeaders(hs, s, base)
	}
	if l.target.abs && !addHost {
		for i := range hs {
			if hs[i].Name == "host" {
				hs[i].Value = l.target.host // RFC 9112 section 3.2.2
			}
		}
	}
	h := &blk.head
	h.Method = internMethod(s[l.a0-base : l.a1-base])
	h.Path = s[l.t0-base : l.t1-base]
	if l.target.path != "" {
		h.Path = l.target.path
	}
	h.Protocol = l.proto
	h.Headers = d.stripHopByHop(hs)
	h.Connection = d.connMode()
	d.method = h.Method
	blk.start.Head = h
	d.end = &blk.end
	emit(&blk.start)
}

func (d *Decoder) emitResponseHead(emit func(event.Event), endLine int) {
	base := d.first
	blk, hs, s, room := newResponseBlockText(len(d.fields), d.buf[base:endLine])
	d.bodyText = room
	d.fillHeaders(hs, s, base)
	l := &d.line
	h := &blk.head
	h.Protocol = l.proto
	h.Status = l.status
	h.StatusText = s[l.a0-base : l.a1-base]
	h.Headers = d.stripHopByHop(hs)
	h.Connection = d.connMode()
	blk.start.Head = h
	d.end, d.bodyRoom = &blk.end, &blk.body
	emit(&blk.start)
}

// connMode is the connection mode the head being emitted says, by its
// protocol and Connection fields (which stripHopByHop takes out).
func (d *Decoder) connMode() ConnMode {
	if d.facts.close || (d.line.proto == proto10 && !d.facts.keepAlive) {
		return ConnClose
	}
	return ConnKeepAlive
}

// fillHeaders sets hs from d.fields, slicing names and values from s, the
// copy of buf[base:].
func (d *Decoder) fillHeaders(hs []Header, s string, base int) {
	for i, f := range d.fields {
		hs[i] = Header{
			Name:  s[int(f.n0)-base : int(f.n1)-base],
			Value: s[int(f.v0)-base : int(f.v1)-base],
		}
	}
}

// internMethod returns the constant for a common method, or m.
func internMethod(m string) string {
	switch m {
	case "GET":
		return "GET"
	case "POST":
		return "POST"
	case "PUT":
		return "PUT"
	case "HEAD":
		return "HEAD"
	case "DELETE":
		return "DELETE"
	case "OPTIONS":
		return "OPTIONS"
	case "PATCH":
		return "PATCH"
	case "CONNECT":
		return "CONNECT"
	case "TRACE":
		return "TRACE"
	}
	return m
}

// finishTrailer emits the MessageEnd with the trailer fields as its Tail.
func (d *Decoder) finishTrailer(emit func(event.Event)) {
	if n := len(d.fields); n > 0 {
		s := string(d.buf[:len(d.buf)-2])
		hs := make(Headers, n)
		d.fillHeaders(hs, s, 0)
		d.end.Tail = hs
	}
	d.resetHead()
	d.endMessage(emit)
}

// readChunkFraming decodes the framing bytes of a chunked body (chunk-size
// lines and the CRLF after chunk data) until chunk data or the trailer
// section begins, or in is exhausted.
func (d *Decoder) readChunkFraming(in *event.Data, emit func(event.Event)) {
	consumed := 0
	defer func() {
		in.Skip(consumed)
		d.off += int64(consumed)
	}()
	for _, c := range in.Chunks() {
		for _, b := range c {
			pos := d.off + int64(consumed)
			consumed++
			if d.state <= stChunkExt && b != '\r' {
				if d.chunkLine++; d.chunkLine > d.opts.MaxChunkLineSize {
					d.fail(d.errAtOffset(pos, ErrBadChunk, "chunk-size line too long"))
					return
				}
			}
			switch d.state {
			case stChunkSize:
				if v := unhex(b); v >= 0 {
					if d.left > (math.MaxInt64-v)>>4 {
						d.fail(d.errAtOffset(pos, ErrBadChunk, "chunk size overflow"))
						return
					}
					d.left = d.left<<4 | v
					d.chunkDigits++
					continue
				}
				switch {
				case d.chunkDigits == 0:
					d.fail(d.errAtOffset(pos, ErrBadChunk, "invalid chunk size"))
					return
				case b == '\r':
					d.state = stChunkSizeLF
				case b == ' ' || b == '\t':
					d.state = stChunkSizeWS
				case b == ';':
					d.state, d.ext = stChunkExt, extName
				case b == '\n':
					d.fail(d.errAtOffset(pos, ErrBadChunk, "bare LF after chunk size"))
					return
				default:
					d.fail(d.errAtOffset(pos, ErrBadChunk, "invalid chunk size"))
					return
				}
			case stChunkSizeWS:
				switch b {
				case ' ', '\t':
				case ';':
					d.state, d.ext = stChunkExt, extName
				default:
					d.fail(d.errAtOffset(pos, ErrBadChunk, "invalid chunk extension"))
					return
				}
			case stChunkExt:
				if err := d.chunkExt(b, pos); err != nil {
					d.fail(err)
					return
				}
			case stChunkSizeLF:
				if b != '\n' {
					d.fail(d.errAtOffset(pos, ErrBadChunk, "bare CR after chunk size"))
					return
				}
				if d.left == 0 {
					d.state = stTrailer
					d.first = 0 // a trailer section has no start line
				} else {
					d.state = stChunkData
					if d.bodyN += d.left; d.opts.MaxBodySize > 0 && d.bodyN > d.opts.MaxBodySize && !d.response {
						d.fail(d.errAtOffset(pos, ErrBodyTooLarge, "chunked body exceeds the body size limit"))
					}
				}
				return
			case stChunkDataCR:
				if b != '\r' {
					d.fail(d.errAtOffset(pos, ErrBadChunk, "chunk data not followed by CRLF"))
					return
				}
				d.state = stChunkDataLF
			case stChunkDataLF:
				if b != '\n' {
					d.fail(d.errAtOffset(pos, ErrBadChunk, "chunk data not followed by CRLF"))
					return
				}
				d.state = stChunkSize
				d.left, d.chunkLine, d.chunkDigits = 0, 0, 0
			}
		}
	}
}

// chunkExt takes byte b, at stream offset pos, of the chunk extensions:
// *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] ). A ';'
// without a name after it is refused: parsers disagree on what follows it.
func (d *Decoder) chunkExt(b byte, pos int64) *SyntaxError {
	switch d.ext {
	case extName:
		switch {
		case b == ' ' || b == '\t':
		case tokenLower[b] != 0:
			d.ext = extRest
		default:
			return d.errAtOffset(pos, ErrBadChunk, "chunk extension without a name")
		}
	case extRest:
		switch {
		case b == '\r':
			d.state = stChunkSizeLF
		case b == ';':
			d.ext = extName
		case b == '"':
			d.ext = extQuoted
		case b == '\n':
			return d.errAtOffset(pos, ErrBadChunk, "bare LF in chunk extension")
		case !valueOK[b]:
			return d.errAtOffset(pos, ErrBadChunk, "invalid byte in chunk extension")
		}
	case extQuoted, extEscape:
		switch {
		case !valueOK[b]:
			return d.errAtOffset(pos, ErrBadChunk, "invalid byte in chunk extension")
		case d.ext == extEscape:
			d.ext = extQuoted
		case b == '\\':
			d.ext = extEscape
		case b == '"':
			d.ext = extRest
		}
	}
	return nil
}

// errAt returns a SyntaxError at position i of buf.
func (d *Decoder) errAt(i int, sentinel error, msg string) *SyntaxError {
	return d.errAtOffset(d.headStart+int64(i), sentinel, msg)
}

// errAtOffset returns a SyntaxError at stream offset off, with the status a
// server would answer with.
func (d *Decoder) errAtOffset(off int64, sentinel error, msg string) *SyntaxError {
	status := 400
	switch {
	case d.response:
		status = 502
	case sentinel == ErrLineTooLong:
		status = 414
	case sentinel == ErrHeadTooLarge || sentinel == ErrTooManyHeaders:
		status = 431
	case sentinel == ErrUnsupportedTransferCoding:
		status = 501
	case sentinel == ErrUnsupportedVersion:
		status = 505
	case sentinel == ErrBodyTooLarge:
		status = 413
	}
	return &SyntaxError{Offset: off, Status: status, Msg: msg, Err: sentinel}
}

// forEachTokenBytes calls f with each non-empty element of a comma-separated
// list, trimmed of optional whitespace.
func forEachTokenBytes(v []byte, f func([]byte)) {
	for len(v) > 0 {
		var t []byte
		if i := bytes.IndexByte(v, ','); i >= 0 {
			t, v = v[:i], v[i+1:]
		} else {
			t, v = v, nil
		}
		t = bytes.Trim(t, " \t")
		if len(t) > 0 {
			f(t)
		}
	}
}

// equalFoldBytes reports whether b equals the lower-case ASCII string s,
// ignoring ASCII case.
func equalFoldBytes(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}
