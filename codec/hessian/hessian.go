package hessian

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
)

// List is a Hessian list; Type is "" for an untyped list.
type List struct {
	Type  string
	Items []any
}

// Map is a Hessian map, or an object of class Type when Object is set (then
// every key is a string: the field names). Keys and Values are in order and
// of the same length.
type Map struct {
	Type   string
	Object bool
	Keys   []any
	Values []any
}

// MaxDepth bounds the nesting of lists, maps and objects.
const MaxDepth = 256

// SyntaxError is a decoding error at byte Offset of the input. It matches
// ErrSyntax through errors.Is.
type SyntaxError struct {
	Offset int    // where in the input the error was found
	Msg    string // what is wrong there
}

// Error says what is wrong and where, prefixed "hessian: ".
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("hessian: %s at byte %d", e.Msg, e.Offset)
}

// class is a class definition: its name and field names.
type class struct {
	name   string
	fields []string
}

// decoder reads values from b, keeping the type, class and reference
// tables of the stream.
type decoder struct {
	b       []byte
	pos     int
	types   []string
	classes []class
	refs    []any
	depth   int
}

// DecodeAll decodes every value of b, in order. Class definitions,
// types and references carry over from one value to the next.
func DecodeAll(b []byte) ([]any, error) {
	d := &decoder{b: b}
	var out []any
	for d.pos < len(d.b) {
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func (d *decoder) fail(at int, format string, args ...any) error {
	return &SyntaxError{Offset: at, Msg: fmt.Sprintf(format, args...)}
}

func (d *decoder) truncated() error {
	return d.fail(len(d.b), "truncated input")
}

func (d *decoder) byte() (byte, error) {
	if d.pos >= len(d.b) {
		return 0, d.truncated()
	}
	c := d.b[d.pos]
	d.pos++
	return c, nil
}

func (d *decoder) next(n int) ([]byte, error) {
	if n < 0 || len(d.b)-d.pos < n {
		return nil, d.truncated()
	}
	p := d.b[d.pos : d.pos+n]
	d.pos += n
	return p, nil
}

func (d *decoder) remaining() int { return len(d.b) - d.pos }

// value decodes one value, reading the class definitions before it.
func (d *decoder) value() (any, error) {
	for {
		at := d.pos
		tag, err := d.byte()
		if err != nil {
			return nil, err
		}
		if tag == 'C' {
			if err := d.classDef(); err != nil {
				return nil, err
			}
			continue
		}
		return d.valueOf(tag, at)
	}
}

func (d *decoder) valueOf(tag byte, at int) (any, error) {
	switch {
	case tag == 'N':
		return nil, nil
	case tag == 'T':
		return true, nil
	case tag == 'F':
		return false, nil
	case tag >= 0x80 && tag <= 0xd7, tag == 'I':
		return d.intFrom(tag)
	case tag >= 0xd8, tag >= 0x38 && tag <= 0x3f, tag == 0x59, tag == 'L':
		return d.longFrom(tag)
	case tag >= 0x5b && tag <= 0x5f, tag == 'D':
		return d.doubleFrom(tag)
	case tag == 0x4a:
		p, err := d.next(8)
		if err != nil {
			return nil, err
		}
		return time.UnixMilli(int64(binary.BigEndian.Uint64(p))).UTC(), nil
	case tag == 0x4b:
		p, err := d.next(4)
		if err != nil {
			return nil, err
		}
		return time.Unix(int64(int32(binary.BigEndian.Uint32(p)))*60, 0).UTC(), nil
	case tag <= 0x1f, tag >= 0x30 && tag <= 0x33, tag == 'S', tag == 'R':
		return d.stringFrom(tag, at)
	case tag >= 0x20 && tag <= 0x2f, tag >= 0x34 && tag <= 0x37, tag == 'B', tag == 'A':
		return d.binaryFrom(tag, at)
	case tag == 'U', tag == 'V', tag == 'W', tag == 'X', tag >= 0x70 && tag <= 0x7f:
		return d.list(tag)
	case tag == 'M', tag == 'H':
		return d.hmap(tag)
	case tag == 'O', tag >= 0x60 && tag <= 0x6f:
		return d.object(tag, at)
	case tag == 'Q':
		n, err := d.integer()
		if err != nil {
			return nil, err
		}
		if n < 0 || n >= int64(len(d.refs)) {
			return nil, d.fail(at, "reference %d out of range", n)
		}
		return d.refs[n], nil
	case tag == 'Z':
		return nil, d.fail(at, "unexpected end of list or map")
	}
	return nil, d.fail(at, "unknown tag 0x%02x", tag)
}

func (d *decoder) intFrom(tag byte) (int32, error) {
	switch {
	case tag >= 0x80 && tag <= 0xbf:
		return int32(tag) - 0x90, nil
	case tag >= 0xc0 && tag <= 0xcf:
		b0, err := d.byte()
		return (int32(tag)-0xc8)<<8 | int32(b0), err
	case tag >= 0xd0 && tag <= 0xd7:
		p, err := d.next(2)
		if err != nil {
			return 0, err
		}
		return (int32(tag)-0xd4)<<16 | int32(p[0])<<8 | int32(p[1]), nil
	}
	p, err := d.next(4) // 'I'
	if err != nil {
		return 0, err
	}
	return int32(binary.BigEndian.Uint32(p)), nil
}

func (d *decoder) longFrom(tag byte) (int64, error) {
	switch {
	case tag >= 0xd8 && tag <= 0xef:
		return int64(tag) - 0xe0, nil
	case tag >= 0xf0:
		b0, err := d.byte()
		return (int64(tag)-0xf8)<<8 | int64(b0), err
	case tag >= 0x38 && tag <= 0x3f:
		p, err := d.next(2)
		if err != nil {
			return 0, err
		}
		return (int64(tag)-0x3c)<<16 | int64(p[0])<<8 | int64(p[1]), nil
	case tag == 0x59:
		p, err := d.next(4)
		if err != nil {
			return 0, err
		}
		return int64(int32(binary.BigEndian.Uint32(p))), nil
	}
	p, err := d.next(8) // 'L'
	if err != nil {
		return 0, err
	}
	return int64(binary.BigEndian.Uint64(p)), nil
}

func (d *decoder) doubleFrom(tag byte) (float64, error) {
	switch tag {
	case 0x5b:
		return 0, nil
	case 0x5c:
		return 1, nil
	case 0x5d:
		b0, err := d.byte()
		return float64(int8(b0)), err
	case 0x5e:
		p, err := d.next(2)
		if err != nil {
			return 0, err
		}
		return float64(int16(binary.BigEndian.Uint16(p))), nil
	case 0x5f:
		p, err := d.next(4)
		if err != nil {
			return 0, err
		}
		return 0.001 * float64(int32(binary.BigEndian.Uint32(p))), nil
	}
	p, err := d.next(8) // 'D'
	if err != nil {
		return 0, err
	}
	return math.Float64frombits(binary.BigEndian.Uint64(p)), nil
}

// integer reads an int or a long (lengths, references, class numbers).
func (d *decoder) integer() (int64, error) {
	at := d.pos
	tag, err := d.byte()
	if err != nil {
		return 0, err
	}
	switch {
	case tag >= 0x80 && tag <= 0xd7, tag == 'I':
		n, err := d.intFrom(tag)
		return int64(n), err
	case tag >= 0xd8, tag >= 0x38 && tag <= 0x3f, tag == 0x59, tag == 'L':
		return d.longFrom(tag)
	}
	return 0, d.fail(at, "expected an integer, found tag 0x%02x", tag)
}

// str reads a string value (class names, field names, types).
func (d *decoder) str() (string, error) {
	at := d.pos
	tag, err := d.byte()
	if err != nil {
		return "", err
	}
	if tag <= 0x1f || tag >= 0x30 && tag <= 0x33 || tag == 'S' || tag == 'R' {
		return d.stringFrom(tag, at)
	}
	return "", d.fail(at, "expected a string, found tag 0x%02x", tag)
}

// stringFrom reads the chunks of a string that starts with tag.
func (d *decoder) stringFrom(tag byte, at int) (string, error) {
	var units []uint16
	for {
		var n int
		final := true
		switch {
		case tag <= 0x1f:
			n = int(tag)
		case tag >= 0x30 && tag <= 0x33:
			b0, err := d.byte()
			if err != nil {
				return "", err
			}
			n = int(tag-0x30)<<8 | int(b0)
		case tag == 'S' || tag == 'R':
			p, err := d.next(2)
			if err != nil {
				return "", err
			}
			n = int(binary.BigEndian.Uint16(p))
			final = tag == 'S'
		default:
			return "", d.fail(at, "expected a string chunk, found tag 0x%02x", tag)
		}
		if n > d.remaining() {
			return "", d.truncated()
		}
		var err error
		if units, err = d.utf16Units(units, n); err != nil {
			return "", err
		}
		if final {
			return string(utf16.Decode(units)), nil
		}
		at = d.pos
		if tag, err = d.byte(); err != nil {
			return "", err
		}
	}
}

// utf16Units reads n UTF-16 units written as UTF-8 (or CESU-8) and appends
// them to units.
func (d *decoder) utf16Units(units []uint16, n int) ([]uint16, error) {
	for n > 0 {
		at := d.pos
		c, err := d.byte()
		if err != nil {
			return nil, err
		}
		var cp rune
		var more int
		switch {
		case c < 0x80:
			units = append(units, uint16(c))
			n--
			continue
		case c&0xe0 == 0xc0:
			cp, more = rune(c&0x1f), 1
		case c&0xf0 == 0xe0:
			cp, more = rune(c&0x0f), 2
		case c&0xf8 == 0xf0:
			cp, more = rune(c&0x07), 3
		default:
			return nil, d.fail(at, "invalid UTF-8 byte 0x%02x", c)
		}
		p, err := d.next(more)
		if err != nil {
			return nil, err
		}
		for _, x := range p {
			if x&0xc0 != 0x80 {
				return nil, d.fail(at, "invalid UTF-8 sequence")
			}
			cp = cp<<6 | rune(x&0x3f)
		}
		if more < 3 {
			units = append(units, uint16(cp))
			n--
			continue
		}
		if cp < 0x10000 || cp > 0x10ffff {
			return nil, d.fail(at, "invalid UTF-8 sequence")
		}
		r1, r2 := utf16.EncodeRune(cp)
		units = append(units, uint16(r1), uint16(r2))
		n-- // one character: Java writes none, Pipy counts code points
	}
	return units, nil
}

// binaryFrom reads the chunks of a binary value that starts with tag.
func (d *decoder) binaryFrom(tag byte, at int) ([]byte, error) {
	out := []byte{}
	for {
		var n int
		final := true
		switch {
		case tag >= 0x20 && tag <= 0x2f:
			n = int(tag - 0x20)
		case tag >= 0x34 && tag <= 0x37:
			b0, err := d.byte()
			if err != nil {
				return nil, err
			}
			n = int(tag-0x34)<<8 | int(b0)
		case tag == 'B' || tag == 'A':
			p, err := d.next(2)
			if err != nil {
				return nil, err
			}
			n = int(binary.BigEndian.Uint16(p))
			final = tag == 'B'
		default:
			return nil, d.fail(at, "expected a binary chunk, found tag 0x%02x", tag)
		}
		p, err := d.next(n)
		if err != nil {
			return nil, err
		}
		out = append(out, p...)
		if final {
			return out, nil
		}
		at = d.pos
		if tag, err = d.byte(); err != nil {
			return nil, err
		}
	}
}

// typeName reads the type of a typed list or map: a string, or the number
// of a type read before.
func (d *decoder) typeName() (string, error) {
	at := d.pos
	if d.pos < len(d.b) {
		if c := d.b[d.pos]; c <= 0x1f || c >= 0x30 && c <= 0x33 || c == 'S' || c == 'R' {
			s, err := d.str()
			if err == nil {
				d.types = append(d.types, s)
			}
			return s, err
		}
	}
	n, err := d.integer()
	if err != nil {
		return "", err
	}
	if n < 0 || n >= int64(len(d.types)) {
		return "", d.fail(at, "type reference %d out of range", n)
	}
	return d.types[n], nil
}

// length reads the length of a fixed-length list; every item takes at least
// one byte, so a length beyond the input is an error, not an allocation.
func (d *decoder) length() (int, error) {
	at := d.pos
	n, err := d.integer()
	if err != nil {
		return 0, err
	}
	if n < 0 || n > int64(d.remaining()) {
		return 0, d.fail(at, "invalid length %d", n)
	}
	return int(n), nil
}

func (d *decoder) enter() error {
	if d.depth++; d.depth > MaxDepth {
		return d.fail(d.pos, "nested deeper than %d", MaxDepth)
	}
	return nil
}

// endMarker consumes a 'Z' if it comes next.
func (d *decoder) endMarker() (bool, error) {
	if d.pos >= len(d.b) {
		return false, d.truncated()
	}
	if d.b[d.pos] == 'Z' {
		d.pos++
		return true, nil
	}
	return false, nil
}

func (d *decoder) list(tag byte) (any, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	defer func() { d.depth-- }()
	l := &List{}
	var err error
	if tag == 'U' || tag == 'V' || tag >= 0x70 && tag <= 0x77 {
		if l.Type, err = d.typeName(); err != nil {
			return nil, err
		}
	}
	n := -1
	switch {
	case tag == 'V' || tag == 'X':
		if n, err = d.length(); err != nil {
			return nil, err
		}
	case tag >= 0x70 && tag <= 0x77:
		n = int(tag - 0x70)
	case tag >= 0x78:
		n = int(tag - 0x78)
	}
	d.refs = append(d.refs, l)
	l.Items = make([]any, 0, max(n, 0))
	for i := 0; n < 0 || i < n; i++ {
		if n < 0 {
			end, err := d.endMarker()
			if err != nil {
				return nil, err
			}
			if end {
				break
			}
		}
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		l.Items = append(l.Items, v)
	}
	return l, nil
}

func (d *decoder) hmap(tag byte) (any, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	defer func() { d.depth-- }()
	m := &Map{Keys: []any{}, Values: []any{}}
	if tag == 'M' {
		var err error
		if m.Type, err = d.typeName(); err != nil {
			return nil, err
		}
	}
	d.refs = append(d.refs, m)
	for {
		end, err := d.endMarker()
		if err != nil {
			return nil, err
		}
		if end {
			return m, nil
		}
		k, err := d.value()
		if err != nil {
			return nil, err
		}
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		m.Keys, m.Values = append(m.Keys, k), append(m.Values, v)
	}
}

func (d *decoder) classDef() error {
	name, err := d.str()
	if err != nil {
		return err
	}
	n, err := d.length()
	if err != nil {
		return err
	}
	c := class{name: name, fields: make([]string, n)}
	for i := range c.fields {
		if c.fields[i], err = d.str(); err != nil {
			return err
		}
	}
	d.classes = append(d.classes, c)
	return nil
}

func (d *decoder) object(tag byte, at int) (any, error) {
	var n int64
	if tag == 'O' {
		var err error
		if n, err = d.integer(); err != nil {
			return nil, err
		}
	} else {
		n = int64(tag - 0x60)
	}
	if n < 0 || n >= int64(len(d.classes)) {
		return nil, d.fail(at, "class definition %d out of range", n)
	}
	if err := d.enter(); err != nil {
		return nil, err
	}
	defer func() { d.depth-- }()
	c := d.classes[n]
	m := &Map{Type: c.name, Object: true, Keys: make([]any, len(c.fields)), Values: make([]any, 0, len(c.fields))}
	for i, f := range c.fields {
		m.Keys[i] = f
	}
	d.refs = append(d.refs, m)
	for range c.fields {
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		m.Values = append(m.Values, v)
	}
	return m, nil
}

// encoder writes values; its type, class and reference tables span
// the values given to one EncodeAll.
type encoder struct {
	buf     []byte
	types   map[string]int
	classes map[string]int
	refs    map[any]int
	depth   int
}

// EncodeAll encodes vs one after the other. It fails for a value of
// another Go type than those decoding produces (int is accepted as well),
// for an object whose keys are not all strings, and for nesting deeper than
// MaxDepth. Its errors match ErrEncode through errors.Is.
func EncodeAll(vs []any) ([]byte, error) {
	e := &encoder{types: map[string]int{}, classes: map[string]int{}, refs: map[any]int{}}
	for _, v := range vs {
		if err := e.value(v); err != nil {
			return nil, err
		}
	}
	return e.buf, nil
}

func (e *encoder) value(v any) error {
	switch x := v.(type) {
	case nil:
		e.buf = append(e.buf, 'N')
	case bool:
		if x {
			e.buf = append(e.buf, 'T')
		} else {
			e.buf = append(e.buf, 'F')
		}
	case int32:
		e.int(x)
	case int:
		if x >= math.MinInt32 && x <= math.MaxInt32 {
			e.int(int32(x))
		} else {
			e.long(int64(x))
		}
	case int64:
		e.long(x)
	case float64:
		e.double(x)
	case string:
		e.string(x)
	case []byte:
		e.binary(x)
	case time.Time:
		ms := x.UnixMilli()
		if ms%60000 == 0 && ms/60000 >= math.MinInt32 && ms/60000 <= math.MaxInt32 {
			e.buf = append(e.buf, 0x4b)
			e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(int32(ms/60000)))
		} else {
			e.buf = append(e.buf, 0x4a)
			e.buf = binary.BigEndian.AppendUint64(e.buf, uint64(ms))
		}
	case *List:
		return e.list(x)
	case *Map:
		return e.hmap(x)
	default:
		return encodeErrorf("cannot encode a value of type %T", v)
	}
	return nil
}

func (e *encoder) int(v int32) {
	switch {
	case v >= -0x10 && v <= 0x2f:
		e.buf = append(e.buf, byte(v+0x90))
	case v >= -0x800 && v <= 0x7ff:
		e.buf = append(e.buf, byte(0xc8+(v>>8)), byte(v))
	case v >= -0x40000 && v <= 0x3ffff:
		e.buf = append(e.buf, byte(0xd4+(v>>16)), byte(v>>8), byte(v))
	default:
		e.buf = append(e.buf, 'I')
		e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(v))
	}
}

func (e *encoder) long(v int64) {
	switch {
	case v >= -0x08 && v <= 0x0f:
		e.buf = append(e.buf, byte(v+0xe0))
	case v >= -0x800 && v <= 0x7ff:
		e.buf = append(e.buf, byte(0xf8+(v>>8)), byte(v))
	case v >= -0x40000 && v <= 0x3ffff:
		e.buf = append(e.buf, byte(0x3c+(v>>16)), byte(v>>8), byte(v))
	case v >= math.MinInt32 && v <= math.MaxInt32:
		e.buf = append(e.buf, 0x59)
		e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(int32(v)))
	default:
		e.buf = append(e.buf, 'L')
		e.buf = binary.BigEndian.AppendUint64(e.buf, uint64(v))
	}
}

func (e *encoder) double(v float64) {
	integral := v == math.Trunc(v) && !math.IsInf(v, 0) && !(v == 0 && math.Signbit(v))
	switch {
	case integral && v == 0:
		e.buf = append(e.buf, 0x5b)
		return
	case v == 1:
		e.buf = append(e.buf, 0x5c)
		return
	case integral && v >= math.MinInt8 && v <= math.MaxInt8:
		e.buf = append(e.buf, 0x5d, byte(int8(v)))
		return
	case integral && v >= math.MinInt16 && v <= math.MaxInt16:
		e.buf = append(e.buf, 0x5e)
		e.buf = binary.BigEndian.AppendUint16(e.buf, uint16(int16(v)))
		return
	}
	if mills := v * 1000; !(v == 0 && math.Signbit(v)) && mills == math.Trunc(mills) &&
		mills >= math.MinInt32 && mills <= math.MaxInt32 && 0.001*float64(int32(mills)) == v {
		e.buf = append(e.buf, 0x5f)
		e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(int32(mills)))
		return
	}
	e.buf = append(e.buf, 'D')
	e.buf = binary.BigEndian.AppendUint64(e.buf, math.Float64bits(v))
}

// chunkSize is the size of the non-final chunks of long strings and
// binaries, as the Java implementation writes them.
const chunkSize = 0x8000

func (e *encoder) string(s string) {
	units := utf16.Encode([]rune(s))
	for len(units) > chunkSize {
		e.buf = append(e.buf, 'R', chunkSize>>8, chunkSize&0xff)
		e.units(units[:chunkSize])
		units = units[chunkSize:]
	}
	switch n := len(units); {
	case n <= 0x1f:
		e.buf = append(e.buf, byte(n))
	case n <= 0x3ff:
		e.buf = append(e.buf, byte(0x30+n>>8), byte(n))
	default:
		e.buf = append(e.buf, 'S', byte(n>>8), byte(n))
	}
	e.units(units)
}

// units writes UTF-16 units, each as 1 to 3 bytes of UTF-8 (surrogates too).
func (e *encoder) units(us []uint16) {
	for _, u := range us {
		switch {
		case u < 0x80:
			e.buf = append(e.buf, byte(u))
		case u < 0x800:
			e.buf = append(e.buf, 0xc0|byte(u>>6), 0x80|byte(u&0x3f))
		default:
			e.buf = append(e.buf, 0xe0|byte(u>>12), 0x80|byte(u>>6&0x3f), 0x80|byte(u&0x3f))
		}
	}
}

func (e *encoder) binary(b []byte) {
	for len(b) > chunkSize {
		e.buf = append(e.buf, 'A', chunkSize>>8, chunkSize&0xff)
		e.buf = append(e.buf, b[:chunkSize]...)
		b = b[chunkSize:]
	}
	switch n := len(b); {
	case n <= 0x0f:
		e.buf = append(e.buf, byte(0x20+n))
	case n <= 0x3ff:
		e.buf = append(e.buf, byte(0x34+n>>8), byte(n))
	default:
		e.buf = append(e.buf, 'B', byte(n>>8), byte(n))
	}
	e.buf = append(e.buf, b...)
}

func (e *encoder) typeName(t string) {
	if n, ok := e.types[t]; ok {
		e.int(int32(n))
		return
	}
	e.types[t] = len(e.types)
	e.string(t)
}

// ref writes a reference to p if p was written before, and otherwise
// numbers it; it reports whether it wrote a reference.
func (e *encoder) ref(p any) bool {
	if n, ok := e.refs[p]; ok {
		e.buf = append(e.buf, 'Q')
		e.int(int32(n))
		return true
	}
	e.refs[p] = len(e.refs)
	return false
}

func (e *encoder) enter() error {
	if e.depth++; e.depth > MaxDepth {
		return encodeErrorf("nested deeper than %d", MaxDepth)
	}
	return nil
}

func (e *encoder) list(l *List) error {
	if e.ref(l) {
		return nil
	}
	if err := e.enter(); err != nil {
		return err
	}
	defer func() { e.depth-- }()
	n := len(l.Items)
	switch {
	case l.Type == "" && n <= 7:
		e.buf = append(e.buf, byte(0x78+n))
	case l.Type == "":
		e.buf = append(e.buf, 'X')
		e.int(int32(n))
	case n <= 7:
		e.buf = append(e.buf, byte(0x70+n))
		e.typeName(l.Type)
	default:
		e.buf = append(e.buf, 'V')
		e.typeName(l.Type)
		e.int(int32(n))
	}
	for _, v := range l.Items {
		if err := e.value(v); err != nil {
			return err
		}
	}
	return nil
}

func (e *encoder) hmap(m *Map) error {
	if len(m.Keys) != len(m.Values) {
		return encodeErrorf("map with %d keys and %d values", len(m.Keys), len(m.Values))
	}
	if m.Object {
		return e.object(m)
	}
	if e.ref(m) {
		return nil
	}
	if err := e.enter(); err != nil {
		return err
	}
	defer func() { e.depth-- }()
	if m.Type != "" {
		e.buf = append(e.buf, 'M')
		e.typeName(m.Type)
	} else {
		e.buf = append(e.buf, 'H')
	}
	for i, k := range m.Keys {
		if err := e.value(k); err != nil {
			return err
		}
		if err := e.value(m.Values[i]); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, 'Z')
	return nil
}

func (e *encoder) object(m *Map) error {
	if e.ref(m) {
		return nil
	}
	fields := make([]string, len(m.Keys))
	for i, k := range m.Keys {
		s, ok := k.(string)
		if !ok {
			return encodeErrorf("field name of type %T in an object of class %q", k, m.Type)
		}
		fields[i] = s
	}
	var kb strings.Builder // a key no two different classes share
	for _, s := range append([]string{m.Type}, fields...) {
		kb.WriteString(strconv.Itoa(len(s)))
		kb.WriteByte(':')
		kb.WriteString(s)
	}
	key := kb.String()
	n, ok := e.classes[key]
	if !ok {
		n = len(e.classes)
		e.classes[key] = n
		e.buf = append(e.buf, 'C')
		e.string(m.Type)
		e.int(int32(len(fields)))
		for _, f := range fields {
			e.string(f)
		}
	}
	if err := e.enter(); err != nil {
		return err
	}
	defer func() { e.depth-- }()
	if n < 16 {
		e.buf = append(e.buf, byte(0x60+n))
	} else {
		e.buf = append(e.buf, 'O')
		e.int(int32(n))
	}
	for _, v := range m.Values {
		if err := e.value(v); err != nil {
			return err
		}
	}
	return nil
}
