package dubbo

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
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
}

// The defaults of a head given as a map, for the fields it does not name:
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

// HeadOf returns v as a *Head. It accepts:
//
//   - *Head: returned as is (not copied) after its fields are checked; a nil
//     *Head is treated like nil;
//   - Head: a pointer to a copy;
//   - map[string]any with any of the keys "id", "status", "isRequest",
//     "isTwoWay", "isEvent" and "serialization" (what scripts pass); fields
//     the map lacks, or holds as nil, take their defaults (below);
//   - nil: a new head of defaults, as for an empty map.
//
// The defaults make a two-way Hessian 2 request with id 0: isRequest true,
// isEvent false, serialization 2, isTwoWay equal to isRequest (a request is
// two-way, a response is not), and status 0 for a request and StatusOK for a
// response. An Encoder also numbers the messages that have no id.
//
// In a map, id is an integer or a decimal string (scripts carry 64-bit ids as
// strings), status and serialization are integers, and the flags are bools;
// numbers may be any Go integer type or an integral float64 (JavaScript
// numbers). A value of the wrong type or out of range, or any other type of v,
// gives an error wrapping ErrInvalidHead.
func HeadOf(v any) (*Head, error) {
	if h, ok := v.(*Head); ok && h != nil {
		if err := h.validate(); err != nil {
			return nil, err
		}
		return h, nil
	}
	p, err := parseHead(v)
	if err != nil {
		return nil, err
	}
	h := p.fill(nil)
	return &h, nil
}

// Presence bits of partialHead.has.
const (
	hasID = 1 << iota
	hasStatus
	hasRequest
	hasTwoWay
	hasEvent
	hasSerialization
	hasAll = hasID | hasStatus | hasRequest | hasTwoWay | hasEvent | hasSerialization
)

// partialHead is a head some of whose fields may be missing.
type partialHead struct {
	h   Head
	has uint8
}

// parseHead reads v (nil, Head, *Head or map[string]any) into a partialHead.
func parseHead(v any) (partialHead, error) {
	switch v := v.(type) {
	case nil:
		return partialHead{}, nil
	case *Head:
		if v == nil {
			return partialHead{}, nil
		}
		if err := v.validate(); err != nil {
			return partialHead{}, err
		}
		return partialHead{h: *v, has: hasAll}, nil
	case Head:
		if err := v.validate(); err != nil {
			return partialHead{}, err
		}
		return partialHead{h: v, has: hasAll}, nil
	case map[string]any:
		return parseMap(v)
	}
	return partialHead{}, fmt.Errorf("%w: cannot use %T as a dubbo head", ErrInvalidHead, v)
}

func parseMap(m map[string]any) (partialHead, error) {
	var p partialHead
	if x, ok := m["id"]; ok && x != nil {
		id, err := toID(x)
		if err != nil {
			return p, err
		}
		p.h.ID, p.has = id, p.has|hasID
	}
	if x, ok := m["status"]; ok && x != nil {
		n, err := toInt(x, "status", math.MaxUint8)
		if err != nil {
			return p, err
		}
		p.h.Status, p.has = int(n), p.has|hasStatus
	}
	if x, ok := m["serialization"]; ok && x != nil {
		n, err := toInt(x, "serialization", SerializationMask)
		if err != nil {
			return p, err
		}
		p.h.Serialization, p.has = byte(n), p.has|hasSerialization
	}
	for _, f := range [...]struct {
		key string
		bit uint8
		dst *bool
	}{
		{"isRequest", hasRequest, &p.h.IsRequest},
		{"isTwoWay", hasTwoWay, &p.h.IsTwoWay},
		{"isEvent", hasEvent, &p.h.IsEvent},
	} {
		x, ok := m[f.key]
		if !ok || x == nil {
			continue
		}
		b, ok := x.(bool)
		if !ok {
			return p, fmt.Errorf("%w: %s must be a bool, not %T", ErrInvalidHead, f.key, x)
		}
		*f.dst, p.has = b, p.has|f.bit
	}
	return p, nil
}

// fill returns p's head with the missing fields taken from defaults (when
// not nil) and then from the package defaults (see HeadOf). A missing id
// stays 0.
func (p partialHead) fill(defaults *partialHead) Head {
	h := p.h
	if defaults != nil {
		missing := defaults.has &^ p.has
		d := &defaults.h
		if missing&hasID != 0 {
			h.ID = d.ID
		}
		if missing&hasStatus != 0 {
			h.Status = d.Status
		}
		if missing&hasRequest != 0 {
			h.IsRequest = d.IsRequest
		}
		if missing&hasTwoWay != 0 {
			h.IsTwoWay = d.IsTwoWay
		}
		if missing&hasEvent != 0 {
			h.IsEvent = d.IsEvent
		}
		if missing&hasSerialization != 0 {
			h.Serialization = d.Serialization
		}
		p.has |= defaults.has
	}
	if p.has&hasRequest == 0 {
		h.IsRequest = defaultIsRequest
	}
	if p.has&hasTwoWay == 0 {
		h.IsTwoWay = h.IsRequest
	}
	if p.has&hasEvent == 0 {
		h.IsEvent = defaultIsEvent
	}
	if p.has&hasStatus == 0 {
		h.Status = 0
		if !h.IsRequest {
			h.Status = StatusOK
		}
	}
	if p.has&hasSerialization == 0 {
		h.Serialization = defaultSerialization
	}
	return h
}

// toID converts a script or Go value to a request id.
func toID(x any) (int64, error) {
	if s, ok := x.(string); ok {
		id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%w: id %q is not a 64-bit decimal integer", ErrInvalidHead, s)
		}
		return id, nil
	}
	return toInt(x, "id", math.MaxInt64)
}

// toInt converts an integer-valued x to an int64 in [0, max] (or, for the id,
// any int64: max == MaxInt64 allows negatives too).
func toInt(x any, name string, max int64) (int64, error) {
	var n int64
	switch v := x.(type) {
	case int:
		n = int64(v)
	case int8:
		n = int64(v)
	case int16:
		n = int64(v)
	case int32:
		n = int64(v)
	case int64:
		n = v
	case uint:
		if uint64(v) > math.MaxInt64 {
			return 0, rangeErr(name, x, max)
		}
		n = int64(v)
	case uint8:
		n = int64(v)
	case uint16:
		n = int64(v)
	case uint32:
		n = int64(v)
	case uint64:
		if v > math.MaxInt64 {
			return 0, rangeErr(name, x, max)
		}
		n = int64(v)
	case float32:
		return toInt(float64(v), name, max)
	case float64:
		// 2^63 is the first float64 outside int64; -2^63 is inside.
		if v != math.Trunc(v) || v < math.MinInt64 || v >= math.MaxInt64 {
			return 0, rangeErr(name, x, max)
		}
		n = int64(v)
	case json.Number:
		i, err := v.Int64()
		if err != nil {
			return 0, rangeErr(name, x, max)
		}
		n = i
	default:
		return 0, fmt.Errorf("%w: %s must be a number, not %T", ErrInvalidHead, name, x)
	}
	if max != math.MaxInt64 && (n < 0 || n > max) {
		return 0, rangeErr(name, x, max)
	}
	return n, nil
}

func rangeErr(name string, x any, max int64) error {
	if max == math.MaxInt64 {
		return fmt.Errorf("%w: %s %v is not a 64-bit integer", ErrInvalidHead, name, x)
	}
	return fmt.Errorf("%w: %s %v out of range 0-%d", ErrInvalidHead, name, x, max)
}
