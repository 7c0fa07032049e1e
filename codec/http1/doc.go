// Package http1 is sluice's HTTP/1.x codec: an incremental decoder that turns
// bytes into message events, functions that turn message heads and bodies
// back into bytes, and, built on them, the four filters decodeHttpRequest,
// decodeHttpResponse, encodeHttpRequest and encodeHttpResponse.
//
// # Decoding
//
// A Decoder made by NewRequestDecoder or NewResponseDecoder is fed bytes as
// they arrive, in pieces of any size down to one byte, and emits for each
// message
//
//	*event.MessageStart{Head: *RequestHead or *ResponseHead}
//	*event.Data ...          the body, sharing the input's chunks
//	*event.MessageEnd{Tail: Headers or nil}   the trailers, if any
//
// The messages are the same however the input is split. Heads expose the
// method, path (the request target as sent), protocol, status and reason
// phrase, and the header fields in order, repeats kept, names in lower case.
// A decoded head costs two allocations: one copy of its bytes, from which
// every string is sliced, and one block holding the head, its events and
// room for up to 16 fields.
//
// The decoder frames bodies by Content-Length, by chunked transfer coding
// (extensions ignored, trailers kept) or, for responses, by the end of the
// stream (End completes them). It handles keep-alive and pipelining,
// HTTP/1.0 with and without keep-alive, Connection: close (later input is
// discarded), bodiless responses (1xx, 204, 304 and, through
// Options.RequestMethod, responses to HEAD; interim 1xx responses do not
// consume the pending request) and protocol switches (101, CONNECT), after
// which bytes pass as plain Data. Expect: 100-continue needs nothing
// special and passes through.
//
// It is strict where leniency lets requests be smuggled: both Content-Length
// and Transfer-Encoding, differing Content-Lengths, transfer codings other
// than a single chunked, malformed chunk sizes or extensions, bare LF in
// chunked framing and trailers, bare CR, obsolete line folding, whitespace
// before a colon, a repeated Host, a request target in a form its method
// does not take (asterisk-form is for OPTIONS, authority-form for CONNECT)
// or holding raw bytes above 0x7e — all stop the decoder with a *SyntaxError
// giving the byte offset and the status a server answers with (400, 414,
// 431, 501, 505; 502 for a response decoder). Bytes that cannot begin a
// request line (a TLS ClientHello, say) are refused as soon as they arrive.
// It is lenient where that is safe and Pipy is: a missing Host, a bare LF
// ending a head line, and identical repeated Content-Length fields are
// accepted. Request targets are shown in one spelling: percent-encoded
// unreserved characters decoded, dot segments resolved (a path above "/" is
// refused), and an absolute-form target in origin form with its authority as
// Host. CONNECT takes only an authority-form target (host:port, a bracketed
// IPv6 address allowed, no userinfo), and comes out as a request whose path
// is that target, Host untouched: a script decides what to do with it (dial
// the target with connect, or refuse it); a 2xx answer through
// encodeHttpResponse turns the connection into a tunnel, any other answer
// leaves it HTTP. Limits (Options) on the start line, the head and the
// number of fields count bytes across Decode calls.
//
// # Encoding
//
// WriteRequestHead and WriteResponseHead write a head with framing fields
// for the body that follows: Content-Length when its length is known,
// chunked otherwise; WriteChunk and WriteLastChunk write a chunked body;
// WriteErrorResponse writes the minimal response a server sends before
// closing on a bad request. RequestHeadOf and ResponseHeadOf read any head
// by field name, as Pipy reads its property bags (the heads scripts supply
// as maps, event.Fields, the other codecs' heads), with Pipy's defaults for
// what is missing: a request head is a 200 response with its headers, a
// response head a "GET /" request.
//
// Decoded heads carry their headers less the hop-by-hop fields, which
// belong to the connection the message came on (RFC 9110 section 7.6.1):
// the framing fields Content-Length and Transfer-Encoding, Keep-Alive, TE,
// Proxy-Connection, the fields a Connection field names, and Connection and
// Upgrade themselves unless the head asks for a protocol upgrade (a request
// with "Connection: upgrade" and an Upgrade field, or the 101 response
// granting it): then both stay, so a script sees the upgrade asked for and
// WebSocket passes through a proxy. Taking them out in the decoders means
// that scripts never see them and that a decoded head re-encoded by a proxy
// never forwards them, whatever filters stand between. The Content-Length
// of an answer to HEAD or of a 304 is kept: it tells the size of the
// representation, not how this bodiless message is framed, and a proxy
// passes it on. Host is kept even when a Connection field names it. Proxy-Authorization and
// Proxy-Authenticate are kept (RFC 9110 section 11.7: they are consumed by
// the proxy they are addressed to, and that proxy is the script): a script
// checks them and takes them out (delete head.headers['proxy-authorization'])
// or passes them on to a parent proxy; taking them out in the decoder would
// make proxy authentication impossible to write.
// Whether the connection persists is the head's Connection (a ConnMode).
// The encoders write the framing from the body they are given, and
// "connection: close" (or "keep-alive" for HTTP/1.0) from the head's
// Connection; fields a script or Go code puts in a head are written as
// given. A header name that is not a token, or a value with CR, LF or NUL,
// is refused (ErrBadHeader) rather than written.
//
// RequestHead.AddForwarded appends the client's address to X-Forwarded-For
// (as nginx's $proxy_add_x_forwarded_for) and sets X-Forwarded-Proto.
//
// # Body limits
//
// Options.MaxBodySize bounds each request body: a Content-Length over it is
// refused as soon as the head is complete (the request never reaches the
// next filter), a chunked body as soon as its chunk sizes add up to more;
// either way the stream ends with a *SyntaxError of status 413 wrapping
// ErrBodyTooLarge, and encodeHttpResponse answers 413 and closes. Without
// it (the default, as in Pipy) a body is not bounded by the decoder: it
// streams through as Data, and memory stays bounded by the sockets'
// backpressure. Filters that collect whole messages bound what they hold
// themselves (event.MessageReader, 16 MiB by default); a stream they end
// with event.ErrBodyTooLarge is answered 413 too (see FailureStatus).
//
// # Filters
//
// DecodeRequest, DecodeResponse, EncodeRequest and EncodeResponse are the
// filters decodeHttpRequest, decodeHttpResponse, encodeHttpRequest and
// encodeHttpResponse. A server pipeline typically reads
//
//	DecodeRequest() → (answer each request message) → EncodeResponse(nil)
//
// and a client one
//
//	EncodeRequest(nil) → connect(upstream) → DecodeResponse()
//
// Each pair shares what it must through the stream's context: the request
// decoder tells the response encoder which requests were HEAD, asked to
// close or spoke HTTP/1.0, and the status to answer with when the request
// decoder fails (400, 408 after a head timeout, 413, 414, 431, 501, 505); the
// request encoder tells the response decoder which requests were HEAD or
// CONNECT, and which are still unanswered when the upstream fails (they get
// synthetic 502, 503, 401 or 500 responses). The encoders send a body with
// Content-Length when it is complete within a buffer limit, and stream it
// chunked otherwise.
//
// Decoders, encoders and heads are for use by one goroutine at a time; a
// Decoder belongs to one stream, as filter instances do.
package http1
