package http1

// Default limits of a Decoder, used where an Options field is zero.
const (
	// DefaultMaxLineSize is the default limit on the request line or status
	// line, in bytes, not counting its CRLF (8 KiB; a request line beyond it
	// is answered with 414).
	DefaultMaxLineSize = 8 << 10
	// DefaultMaxHeadSize is the default limit on a whole head — leading
	// empty lines, start line, fields and CRLFs — and on a trailer section
	// (64 KiB; beyond it a request is answered with 431).
	DefaultMaxHeadSize = 64 << 10
	// DefaultMaxHeaders is the default limit on the number of fields in a
	// head or trailer section (100; beyond it a request is answered with 431).
	DefaultMaxHeaders = 100
	// DefaultMaxChunkLineSize is the default limit on a chunk-size line,
	// extensions included, CRLF not (4 KiB).
	DefaultMaxChunkLineSize = 4 << 10
)

// Options configures a Decoder. The zero value is ready to use: every zero
// limit means its default. Limits count bytes across Decode calls, so a head
// split over many calls counts whole. Options are copied by the constructors.
type Options struct {
	// MaxLineSize limits the request line or status line, CRLF not
	// counted. Zero means DefaultMaxLineSize.
	MaxLineSize int
	// MaxHeadSize limits a whole head, and separately each trailer
	// section. Zero means DefaultMaxHeadSize.
	MaxHeadSize int
	// MaxHeaders limits the number of fields of a head, and separately of
	// each trailer section. Zero means DefaultMaxHeaders.
	MaxHeaders int
	// MaxChunkLineSize limits a chunk-size line (size and extensions, CRLF
	// not counted). Zero means DefaultMaxChunkLineSize.
	MaxChunkLineSize int
	// MaxBodySize limits the body of each request (request decoders only):
	// a Content-Length above it is refused as soon as the head is complete,
	// before the request is emitted, and a chunked body as soon as its
	// chunk sizes add up to more, with a *SyntaxError of status 413
	// wrapping ErrBodyTooLarge. Zero or negative means no limit: a body
	// that passes through streams without being held.
	MaxBodySize int64

	// RequestMethod is used by response decoders only. It is called once
	// for each final (status 101 excluded, status >= 200) response, in
	// order, as soon as its status line has been decoded, and returns the
	// method of the request that response answers. Interim 1xx responses do
	// not call it, so they do not consume the pending request. A "HEAD"
	// result makes the response bodiless whatever its framing fields say; a
	// "CONNECT" result with a 2xx status switches the decoder to tunnel mode
	// after the head. Nil, or an empty result, means a method with no such
	// special rule (GET). It is called on the goroutine calling Decode.
	RequestMethod func() string
}

func (o Options) withDefaults() Options {
	if o.MaxLineSize <= 0 {
		o.MaxLineSize = DefaultMaxLineSize
	}
	if o.MaxHeadSize <= 0 {
		o.MaxHeadSize = DefaultMaxHeadSize
	}
	if o.MaxHeaders <= 0 {
		o.MaxHeaders = DefaultMaxHeaders
	}
	if o.MaxChunkLineSize <= 0 {
		o.MaxChunkLineSize = DefaultMaxChunkLineSize
	}
	return o
}
