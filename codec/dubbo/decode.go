package dubbo

import (
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// DecodeFilter is the decodeDubbo filter: it turns the bytes of a Dubbo
// connection into messages, one per frame. For each event kind:
//
//   - *event.Data is decoded: each frame comes out as an *event.MessageStart
//     whose Head is a *Head, the body as *event.Data events sharing the input's
//     chunks (as it arrives: a body split over several reads comes out in
//     several pieces), and an *event.MessageEnd.
//   - *event.MessageStart and *event.MessageEnd are dropped: the input is
//     treated as one byte stream, whatever message boundaries it carried.
//   - *event.SessionEnd passes on. When it says the stream ended normally but
//     a frame was cut short, the stream instead ends with a ProtocolError
//     SessionEnd whose Cause wraps ErrTruncated; a message already started is
//     then left without its MessageEnd, so no one mistakes the partial body for
//     a complete one.
//
// Malformed input (see Decoder.Decode) ends the stream with
// SessionEnd{Err: event.ProtocolError, Cause: the decoder's error}.
//
// The zero value is ready to use.
type DecodeFilter struct {
	// Options configure each stream's Decoder; the zero value gives the
	// defaults (an 8 MiB body limit).
	Options Options
}

// Decode returns the decodeDubbo filter with default options.
func Decode() *DecodeFilter { return &DecodeFilter{} }

// Info describes the filter as scripts call it.
func (f *DecodeFilter) Info() pipeline.Info {
	return pipeline.Info{
		Name:     "decodeDubbo",
		Synopsis: "()",
		Summary:  "Decodes Dubbo frames into messages",
	}
}

// New returns the filter's instance for stream s.
func (f *DecodeFilter) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	return &decodeDubbo{s: s, next: next, d: NewDecoder(f.Options)}
}

// decodeDubbo is the per-stream instance of DecodeFilter.
type decodeDubbo struct {
	s    *pipeline.Stream
	next pipeline.Target
	d    *Decoder
}

// Input decodes Data, drops message boundaries and checks the end.
func (f *decodeDubbo) Input(evt event.Event) {
	if f.s.Ended() {
		return
	}
	switch evt := evt.(type) {
	case *event.Data:
		if err := f.d.Decode(evt, f.emit); err != nil {
			f.s.Fail(event.ProtocolError, err)
		}
	case *event.MessageStart, *event.MessageEnd:
		// Framing of the input means nothing to a byte-stream decoder.
	case *event.SessionEnd:
		if evt.Err == event.NoError {
			if err := f.d.Finish(); err != nil {
				f.s.Fail(event.ProtocolError, err)
				return
			}
		}
		f.next.Input(evt)
	default:
		f.next.Input(evt)
	}
}

// emit forwards decoded events unless a downstream filter ended the stream
// in the meantime.
func (f *decodeDubbo) emit(evt event.Event) {
	if !f.s.Ended() {
		f.next.Input(evt)
	}
}
