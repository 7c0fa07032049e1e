package http2

import (
	"time"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// Options are the limits of one HTTP/2 server connection, and how a failed
// request is answered. The zero value of each field means its default,
// given beside it.
type Options struct {
	// OnFail, when set, makes the answer for a request whose stream ended
	// before answering, over HTTP/1.x as over HTTP/2: demux's
	// DemuxOptions.OnFail (see filter.FailAnswer). The default is a 500
	// naming the cause. An end without an answer and without an error is
	// taken for a failure whose cause wraps ErrNoAnswer.
	OnFail func(s *pipeline.Stream, end *event.SessionEnd, out pipeline.Target)
	// MaxConcurrentStreams is the number of requests a client may have open
	// at once (SETTINGS_MAX_CONCURRENT_STREAMS); more are refused with
	// RST_STREAM(REFUSED_STREAM). Default 100.
	MaxConcurrentStreams uint32
	// MaxFrameSize is the largest frame payload accepted
	// (SETTINGS_MAX_FRAME_SIZE); larger is FRAME_SIZE_ERROR. Default 16384.
	MaxFrameSize uint32
	// MaxHeaderListSize bounds a decoded header list, names and values plus
	// 32 bytes a field (SETTINGS_MAX_HEADER_LIST_SIZE); a request over it is
	// answered 431. It also bounds the compressed header block (HEADERS
	// and its CONTINUATIONs) and each HPACK string: a block over it ends the
	// connection. Default 64 KiB.
	MaxHeaderListSize uint32
	// MaxContinuations is how many CONTINUATION frames one header block may
	// have; more end the connection with ENHANCE_YOUR_CALM (CVE-2024-27316,
	// empty CONTINUATIONs cost nothing to send). Default 64.
	MaxContinuations int
	// MaxResets bounds rapid reset (CVE-2023-44487): a budget of streams the
	// client may cancel before their answer begins (its HEADERS sent),
	// refilled by one for each stream answered in full. When it is spent
	// the connection ends with GOAWAY(ENHANCE_YOUR_CALM). Default 200.
	MaxResets int
	// MaxControlFrames bounds the rate of PING and SETTINGS frames: how
	// many of them the client may send at once, a budget spent by each,
	// given back at ControlFrameRate and filled up by a HEADERS or DATA
	// frame the client sends or a DATA frame of an answer (grpc-go's client
	// PINGs after the DATA it gets). A frame past it ends the connection
	// with GOAWAY(ENHANCE_YOUR_CALM). A client with keepalive (a PING every
	// few seconds) on a quiet long stream never spends it. Default 1000.
	MaxControlFrames int
	// ControlFrameRate is how many PING and SETTINGS frames a second give
	// MaxControlFrames' budget back. Default 10.
	ControlFrameRate int
	// MaxQueuedControlFrames bounds what a flood costs in memory: how many
	// answers to PING and SETTINGS frames (their ACKs) may be written while
	// the connection's output is held up (a client that does not read; its
	// socket's queue past its mark), counted until the output moves again.
	// More end the connection with GOAWAY(ENHANCE_YOUR_CALM). Default 1000.
	MaxQueuedControlFrames int
	// HeadTimeout bounds how long a header block split over CONTINUATION
	// frames may take to complete; then the connection ends with
	// GOAWAY(ENHANCE_YOUR_CALM). Zero means the connection's
	// ConnOptions.HeadTimeout or, if that is zero too,
	// http1.DefaultHeadTimeout (10s); a negative value, no limit.
	HeadTimeout time.Duration
	// BodyTimeout bounds how long a request's body may go without a DATA
	// frame while its answer has not begun; then the request is answered
	// 408, its sending stopped with RST_STREAM(NO_ERROR), and its stream
	// ends with a Timeout. Zero means the connection's
	// ConnOptions.BodyTimeout or, if that is zero too,
	// http1.DefaultBodyTimeout (30s); a negative value, no limit.
	BodyTimeout time.Duration
}

func (o Options) withDefaults() Options {
	if o.MaxConcurrentStreams == 0 {
		o.MaxConcurrentStreams = 100
	}
	if o.MaxFrameSize == 0 {
		o.MaxFrameSize = 16384
	}
	if o.MaxFrameSize < 16384 {
		o.MaxFrameSize = 16384
	}
	if o.MaxFrameSize > 1<<24-1 {
		o.MaxFrameSize = 1<<24 - 1
	}
	if o.MaxHeaderListSize == 0 {
		o.MaxHeaderListSize = 64 << 10
	}
	if o.MaxContinuations == 0 {
		o.MaxContinuations = 64
	}
	if o.MaxResets == 0 {
		o.MaxResets = 200
	}
	if o.MaxControlFrames == 0 {
		o.MaxControlFrames = 1000
	}
	if o.ControlFrameRate == 0 {
		o.ControlFrameRate = 10
	}
	if o.MaxQueuedControlFrames == 0 {
		o.MaxQueuedControlFrames = 1000
	}
	return o
}
