package dubbo

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/sluice-go/sluice/event"
)

// AppendFrame appends to out the frame for a message with head h and the
// given body: the 16-byte header, then the body's bytes. The body's chunks
// are shared with out, not copied, and body is left unchanged; a nil body is
// empty. The head is written as is (h.ID included); it is an error wrapping
// ErrInvalidHead when a field does not fit the wire, and one wrapping
// ErrBodyTooLarge when the body is longer than 4 GiB - 1. On error out is
// unchanged.
func AppendFrame(out *event.Data, h *Head, body *event.Data) error {
	if err := h.validate(); err != nil {
		return err
	}
	n := 0
	if body != nil {
		n = body.Len()
	}
	if uint64(n) > math.MaxUint32 {
		return fmt.Errorf("%w: %d bytes do not fit the 32-bit length field", ErrBodyTooLarge, n)
	}
	var hdr [HeaderSize]byte
	binary.BigEndian.PutUint16(hdr[0:2], Magic)
	hdr[2] = h.flags()
	hdr[3] = byte(h.Status)
	binary.BigEndian.PutUint64(hdr[4:12], uint64(h.ID))
	binary.BigEndian.PutUint32(hdr[12:16], uint32(n))
	out.Push(hdr[:])
	out.PushData(body)
	return nil
}

// IDGen hands out request ids: 1, 2, 3, … (after the largest int64 it starts
// again at 1). The zero value is ready to use. An IDGen is plain state for one
// stream and is not safe for concurrent use.
type IDGen struct {
	last int64
}

// Next returns the next id.
func (g *IDGen) Next() int64 {
	if g.last == math.MaxInt64 {
		g.last = 0
	}
	g.last++
	return g.last
}

// Encoder writes messages as Dubbo frames and numbers the ones that come
// without an id. The zero value is ready to use; an Encoder belongs to one
// stream and is not safe for concurrent use.
//
// What "without an id" means: the head is read by name (it is not a *Head
// or Head) and has no "id" field, or a nil one: nil, a map without "id", an
// HTTP head. A Head value always has an id, even 0, because 0 is a valid id
// on the wire (Dubbo's own clients start at 0), and a decoded frame must be
// re-encoded unchanged.
type Encoder struct {
	// IDs numbers the messages that have no id.
	IDs IDGen
}

// Head resolves the head of a message as HeadOf does; a head without an id
// gets e.IDs.Next(). A *Head is returned as is; otherwise the result is new.
// Errors wrap ErrInvalidHead.
func (e *Encoder) Head(head any) (*Head, error) {
	h, hasID, err := readHead(head)
	if err != nil {
		return nil, err
	}
	if !hasID {
		h.ID = e.IDs.Next()
	}
	return h, nil
}

// Encode appends to out the frame of a message whose head is resolved from
// head as Head does, and whose body is body (shared, not copied; nil is
// empty). It returns the head it wrote. On error (see Head and AppendFrame)
// out is unchanged, though an id may have been used up.
func (e *Encoder) Encode(out *event.Data, head any, body *event.Data) (*Head, error) {
	h, err := e.Head(head)
	if err != nil {
		return nil, err
	}
	if err := AppendFrame(out, h, body); err != nil {
		return nil, err
	}
	return h, nil
}
