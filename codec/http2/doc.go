// Package http2 is sluice's HTTP/2 codec, built on golang.org/x/net's
// Framer and HPACK: the demuxHTTP filter serves HTTP/1.x and HTTP/2 on one
// listener, each request as a message in its own stream of a named
// pipeline, its answer back as frames; MuxHTTP (muxHTTP with version 2)
// sends requests on to upstreams over HTTP/2.
//
// # Model
//
// An HTTP/2 connection is one stream of the listen pipeline: the bytes go
// in, the frames are parsed as soon as each is whole, and every request
// starts a stream of the target pipeline on the same worker (no goroutine
// per h2 stream). The request's stream sees
//
//	*event.MessageStart{Head: *http1.RequestHead}   protocol "HTTP/2", plus "scheme" and "authority"
//	*event.Data ...                                  the body, as DATA frames arrive
//	*event.MessageEnd{Tail: http1.Headers or nil}    the trailers
//
// so a script reads the head of an HTTP/2 request as it reads an HTTP/1
// one, and such a request can go on over HTTP/1 (encodeHttpRequest) as
// it is. What the stream outputs is the answer, read as encodeHttpResponse
// reads any head; its MessageEnd's tail (any headers value) become
// trailers, as gRPC needs for grpc-status.
//
// # Flow control and limits
//
// Answer bodies go out within the client's stream and connection windows;
// what waits for the window is queued per stream, and past a bound the
// reading of that stream's upstream pauses (its context's return valve).
// Request bodies are passed on as they come. The connection's credit is
// returned as frames are read, a stream's (in WINDOW_UPDATEs of half a
// window) only while its request stream's own forward valve is open
// (pipeline.Context.SetValve): a request whose upstream does not take its
// body stops its client's sending on that stream, buffering at most a
// window more, and its sibling streams go on. Options bound concurrent streams (more
// are refused with REFUSED_STREAM), frame size, header lists (431), header
// blocks and CONTINUATION counts, streams reset before their answer (rapid
// reset), the rate of PING and SETTINGS frames and their answers queued for
// a client that does not read; a breach of the last four ends the
// connection with GOAWAY(ENHANCE_YOUR_CALM).
//
// A protocol error on one stream resets that stream only (RST_STREAM); a
// connection error sends GOAWAY and ends the connection. A server's Drain
// (shutdown, reload) sends GOAWAY(NO_ERROR) in two steps (RFC 9113 section
// 6.8): first with the largest stream id and a PING, then, once the PING is
// acknowledged (or after a second), with the last stream id taken; the
// streams taken finish.
//
// # Client side
//
// MuxHTTP is http1.MuxHTTP with an HTTP/2 transport (http1.MuxTransport):
// the filter keeps request order, the bound on requests in flight and the
// synthetic answers, and the transport keeps, per worker and target, a few
// upstream connections (framing, HPACK and SETTINGS code shared with the
// server side) each carrying up to the upstream's max concurrent streams.
// A request's head is converted the other way (Host to :authority, the
// connection-specific fields dropped, TE only as "trailers"), its body goes
// out within the upstream's windows, and the answer comes back as an
// *http1.ResponseHead (protocol "HTTP/2"), Data and a MessageEnd with the
// trailers. An upstream's RST_STREAM before any answer fails the request
// with a *ResetError: muxHTTP answers it 502, or, for an HTTP/2 client of
// demuxHTTP (http1.PassResets), passes the reset on with its code. A
// stream's window is given back only while its client reads
// on; the connection's is given back at once, so one slow client holds up
// its stream and no other.
package http2
