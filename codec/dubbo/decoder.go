package dubbo

import (
	"encoding/binary"
	"fmt"

	"github.com/sluice-go/sluice/event"
)

// DefaultMaxBodySize is the largest body a Decoder accepts when
// Options.MaxBodySize is zero: 8 MiB, Dubbo's own default payload limit.
const DefaultMaxBodySize = 8 << 20

// Options configure a Decoder. The zero value gives the defaults.
type Options struct {
	// MaxBodySize is the largest body length, in bytes, a frame may declare;
	// a larger one is an error wrapping ErrBodyTooLarge, reported as soon as
	// the header is complete. Zero (or less) means DefaultMaxBodySize. The
	// length field is 32 bits, so values above 4 GiB - 1 lift the limit.
	MaxBodySize int64
}

// Decoder turns a stream of bytes into Dubbo messages. It is a push parser:
// each call to Decode hands it the next bytes, split anywhere, and it emits
// the events for what they complete; any split of the same bytes gives the
// same messages.
//
// For each frame it emits an *event.MessageStart whose Head is a new *Head,
// then the body as it arrives, as *event.Data events that share the input's
// chunks (the body is never copied, and an empty body gives no Data), then an
// *event.MessageEnd. The receiver owns each emitted event.
//
// A Decoder belongs to one stream and is not safe for concurrent use. After
// it has returned an error it stays failed: Decode returns the same error
// again and consumes nothing.
type Decoder struct {
	max    int64
	hdr    [HeaderSize]byte
	n      int   // header bytes collected in hdr
	inBody bool  // reading a body, not a header
	left   int64 // body bytes still to come when inBody
	offset int64 // input bytes consumed so far
	err    error
	cur    *frameEvents // the frame whose body is being read
}

// NewDecoder returns a Decoder with the given options.
func NewDecoder(o Options) *Decoder {
	d := &Decoder{max: o.MaxBodySize}
	if d.max <= 0 {
		d.max = DefaultMaxBodySize
	}
	return d
}

// frameEvents groups the per-frame allocations into one.
type frameEvents struct {
	head  Head
	start event.MessageStart
	end   event.MessageEnd
}

// Decode consumes all of in and calls emit with the events it completes. On
// malformed input it returns a *SyntaxError (bad magic) or an error wrapping
// ErrBodyTooLarge. The bytes after the offending magic or header are then
// left in in, and every later call returns the same error. emit is called on
// the caller's goroutine before Decode returns and must not call Decode.
func (d *Decoder) Decode(in *event.Data, emit func(event.Event)) error {
	if d.err != nil {
		return d.err
	}
	for in.Len() > 0 {
		if d.inBody {
			k := int(min(d.left, int64(in.Len())))
			d.left -= int64(k)
			d.offset += int64(k)
			emit(in.Shift(k))
			if d.left == 0 {
				d.inBody = false
				end := &d.cur.end
				d.cur = nil
				emit(end)
			}
			continue
		}
		// Read the magic alone first, so that input that is not Dubbo is
		// rejected without consuming more than its first two bytes.
		want := d.hdr[d.n:]
		if d.n < 2 {
			want = d.hdr[d.n:2]
		}
		k, _ := in.Read(want)
		d.n += k
		d.offset += int64(k)
		if d.n == 2 {
			if m := binary.BigEndian.Uint16(d.hdr[:2]); m != Magic {
				d.err = &SyntaxError{
					Offset: d.offset - int64(d.n),
					Msg:    fmt.Sprintf("bad magic 0x%04x", m),
					err:    ErrBadMagic,
				}
				return d.err
			}
		}
		if d.n < HeaderSize {
			continue
		}
		size := int64(binary.BigEndian.Uint32(d.hdr[12:16]))
		if size > d.max {
			d.err = fmt.Errorf("%w: frame at byte %d declares %d bytes, limit %d",
				ErrBodyTooLarge, d.offset-HeaderSize, size, d.max)
			return d.err
		}
		f := &frameEvents{}
		flags := d.hdr[2]
		f.head = Head{
			ID:            int64(binary.BigEndian.Uint64(d.hdr[4:12])),
			Status:        int(d.hdr[3]),
			IsRequest:     flags&FlagRequest != 0,
			IsTwoWay:      flags&FlagTwoWay != 0,
			IsEvent:       flags&FlagEvent != 0,
			Serialization: flags & SerializationMask,
		}
		f.start.Head = &f.head
		d.n = 0
		emit(&f.start)
		if size == 0 {
			emit(&f.end)
			continue
		}
		d.inBody, d.left, d.cur = true, size, f
	}
	return nil
}

// Finish reports whether the input may end here: nil between frames, an
// error wrapping ErrTruncated inside one (a MessageStart may have been
// emitted without its MessageEnd), or the decoder's earlier error. It does
// not change the decoder.
func (d *Decoder) Finish() error {
	if d.err != nil {
		return d.err
	}
	if d.inBody {
		return fmt.Errorf("%w: %d body bytes missing at byte %d", ErrTruncated, d.left, d.offset)
	}
	if d.n > 0 {
		return fmt.Errorf("%w: %d header bytes missing at byte %d", ErrTruncated, HeaderSize-d.n, d.offset)
	}
	return nil
}

// InMessage reports whether the decoder has emitted a MessageStart whose
// MessageEnd is still to come.
func (d *Decoder) InMessage() bool { return d.inBody }

// Offset returns the number of input bytes consumed so far.
func (d *Decoder) Offset() int64 { return d.offset }
