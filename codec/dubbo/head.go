package dubbo

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/sluice-go/sluice/event"
)

// Frame layout constants. A Dubbo frame is a 16-byte header followed by the
// body:
//
//	offset  size  field
//	0       2     magic, 0xdabb
//	2       1     flags: FlagRequest | FlagTwoWay | FlagEvent | serialization id (low 5 bits)
//	3       1     status (meaningful in responses)
//	4       8     request id, big-endian, signed
//	12      4     body length, big-endian, unsigned
const (
	HeaderSize = 16     // bytes in a frame header
	Magic      = 0xdabb // the first two bytes of every frame, big-endian

	FlagRequest       = 0x80 // the frame is a request (else a response)
	FlagTwoWay        = 0x40 // the request expects a response
	FlagEvent         = 0x20 // the frame is an event (heartbeat, read-only notice)
	SerializationMask = 0x1f // the flag bits holding the serialization id

	// SerializationHessian2 is the serialization id of Hessian 2, Dubbo's
	// default and the default of this package.
	SerializationHessian2 = 2
)

// Response status codes as Dubbo defines them. A request frame carries no
// status; this package sends 0 there unless told otherwise.
const (
	StatusOK                      = 20  // the call succeeded (its result may still be an exception)
	StatusClientTimeout           = 30  // the client gave up waiting
	StatusServerTimeout           = 31  // the server gave up waiting
	StatusBadRequest              = 40  // the server could not decode the request
	StatusBadResponse             = 50  // the server could not encode the response
	StatusServiceNotFound         = 60  // no such service or method
	StatusServiceError            = 70  // the service failed
	StatusServerError             = 80  // the server failed outside the service
	StatusClientError             = 90  // the client failed
	StatusServerThreadpoolExhaust = 100 // the server had no thread to run the call
)

// Head is the header of one Dubbo frame: everything but the magic and the
// body length. The decoder emits a fresh *Head with each MessageStart; the
// receiver owns it and may change it. A Head is a plain value and not safe for
// concurrent mutation.
type Head struct {
	// ID is the request id. A response carries the id of the request it
	// answers. Every value is valid on the wire, 0 included.
	ID int64
	// Status is the response status (StatusOK, …), one byte on the wire
	// (0–255). Requests normally carry 0.
	Status int
	// IsRequest is true for a request, false for a response.
	IsRequest bool
	// IsTwoWay is true for a request that expects a response.
	IsTwoWay bool
	// IsEvent is true for an event frame (a heartbeat, for instance).
	IsEvent bool
	// Serialization is the id of the body's serialization (0–31);
	// SerializationHessian2 is Dubbo's default.
	Serialization byte
	// Extra holds the fields a script or Go code added to the head under
	// other names; nil when there are none. The encoder ignores them.
	Extra event.Fields
}

// The defaults of a head read by name, for the fields it does not have:
// a two-way Hessian 2 request with id 0. Two fields follow the head's kind
// instead: when isTwoWay is missing a request is two-way and a response is
// not, and when status is missing a request carries 0 and a response
// StatusOK. (An Encoder numbers messages that have no id; see Encoder.)
const (
	defaultIsRequest     = true
	defaultIsEvent       = false
	defaultSerialization = SerializationHessian2
)

// String describes the head in one line for logs and dumps, for example
// "dubbo request id=7 two-way serialization=2" or
// "dubbo response id=7 status=20 serialization=2".
func (h *Head) String() string {
	if h == nil {
		return "dubbo <nil head>"
	}
	var b strings.Builder
	b.Grow(48)
	if h.IsRequest {
		b.WriteString("dubbo request id=")
	} else {
		b.WriteString("dubbo response id=")
	}
	b.WriteString(strconv.FormatInt(h.ID, 10))
	if h.IsTwoWay {
		b.WriteString(" two-way")
	}
	if h.IsEvent {
		b.WriteString(" event")
	}
	if !h.IsRequest || h.Status != 0 {
		b.WriteString(" status=")
		b.WriteString(strconv.Itoa(h.Status))
	}
	b.WriteString(" serialization=")
	b.WriteString(strconv.Itoa(int(h.Serialization)))
	return b.String()
}

// validate reports an error wrapping ErrInvalidHead when a field does not fit
// its place on the wire.
func (h *Head) validate() error {
	if h.Status < 0 || h.Status > math.MaxUint8 {
		return fmt.Errorf("%w: status %d out of range 0-255", ErrInvalidHead, h.Status)
	}
	if h.Serialization > SerializationMask {
		return fmt.Errorf("%w: serialization %d out of range 0-31", ErrInvalidHead, h.Serialization)
	}
	return nil
}

// flags returns the flag byte of the head.
func (h *Head) flags() byte {
	f := h.Serialization & SerializationMask
	if h.IsRequest {
		f |= FlagRequest
	}
	if h.IsTwoWay {
		f |= FlagTwoWay
	}
	if h.IsEvent {
		f |= FlagEvent
	}
	return f
}

// Field returns the field called name, as scripts see it: "id" (int64),
// "status" (int), "isRequest", "isTwoWay", "isEvent" (bool),
// "serialization" (int), or one of Extra. It makes *Head an event.Head.
func (h *Head) Field(name string) (any, bool) {
	if h == nil {
		return nil, false
	}
	switch name {
	case "id":
		return h.ID, true
	case "status":
		return h.Status, true
	case "isRequest":
		return h.IsRequest, true
	case "isTwoWay":
		return h.IsTwoWay, true
	case "isEvent":
		return h.IsEvent, true
	case "serialization":
		return int(h.Serialization), true
	}
	v, ok := h.Extra[name]
	return v, ok
}

// HeadOf returns v as a *Head, as encodeDubbo reads it. A *Head is
// returned as it is (not copied) after its fields are checked, a Head value
// as a pointer to a copy. Any other head is read by field name, as Pipy
// reads its property bags: a map[string]any as scripts make, event.Fields,
// an HTTP head (any event.Head), or nil (no fields). The fields are "id",
// "status", "isRequest", "isTwoWay", "isEvent" and "serialization"; those
// missing (or nil) take their defaults: a two-way Hessian 2 request, that is
// isRequest true, isEvent false, serialization 2, isTwoWay equal to
// isRequest (a request is two-way, a response is not), status 0 for a
// request and StatusOK for a response, id 0. (An Encoder gives a head
// without an id a fresh one instead.)
//
// Values are coerced as event.Int and event.Bool do: id is an integer or a
// decimal string (scripts carry 64-bit ids as strings), status and
// serialization integers, the flags bools. A value out of range or of a type
// that does not coerce, or a v that is not a head, gives an error wrapping
// ErrInvalidHead.
func HeadOf(v any) (*Head, error) {
	h, _, err := readHead(v)
	return h, err
}

// readHead is HeadOf, also saying whether v gave an id.
func readHead(v any) (*Head, bool, error) {
	switch x := v.(type) {
	case *Head:
		if x == nil {
			break
		}
		if err := x.validate(); err != nil {
			return nil, false, err
		}
		return x, true, nil
	case Head:
		if err := x.validate(); err != nil {
			return nil, false, err
		}
		return &x, true, nil
	case nil, map[string]any, event.Head:
	default:
		return nil, false, fmt.Errorf("%w: cannot use %T as a dubbo head", ErrInvalidHead, v)
	}
	h := &Head{IsRequest: defaultIsRequest, IsEvent: defaultIsEvent, Serialization: defaultSerialization}
	id, hasID, err := event.IntField(v, "id", math.MinInt64, math.MaxInt64)
	if err != nil {
		return nil, false, fmt.Errorf("%w: %w", ErrInvalidHead, err)
	}
	h.ID = id
	for _, f := range [...]struct {
		name string
		dst  *bool
	}{{"isRequest", &h.IsRequest}, {"isEvent", &h.IsEvent}} {
		b, ok, err := event.BoolField(v, f.name)
		if err != nil {
			return nil, false, fmt.Errorf("%w: %w", ErrInvalidHead, err)
		}
		if ok {
			*f.dst = b
		}
	}
	h.IsTwoWay = h.IsRequest
	if b, ok, err := event.BoolField(v, "isTwoWay"); err != nil {
		return nil, false, fmt.Errorf("%w: %w", ErrInvalidHead, err)
	} else if ok {
		h.IsTwoWay = b
	}
	if !h.IsRequest {
		h.Status = StatusOK
	}
	if n, ok, err := event.IntField(v, "status", 0, math.MaxUint8); err != nil {
		return nil, false, fmt.Errorf("%w: %w", ErrInvalidHead, err)
	} else if ok {
		h.Status = int(n)
	}
	if n, ok, err := event.IntField(v, "serialization", 0, SerializationMask); err != nil {
		return nil, false, fmt.Errorf("%w: %w", ErrInvalidHead, err)
	} else if ok {
		h.Serialization = byte(n)
	}
	return h, hasID, nil
}
