package event

import (
	"bytes"
	"io"
	"net"
	"strconv"
)

// ChunkSize is the largest chunk a Data allocates when bytes are pushed into it.
const ChunkSize = 16 << 10

// Data is a chunk of a byte stream: an ordered list of byte slices (chunks).
// Pushing another Data, shifting a prefix off, splitting and cloning share the
// chunks instead of copying bytes; chunks are never written once shared, so a
// clone or a shifted-off prefix stays valid whatever happens to the original.
//
// A Data is not safe for concurrent use. The zero value is an empty Data ready
// to use. A Data must not be copied by value once used, because its list of
// chunks may live inside the struct; Clone it instead.
type Data struct {
	chunks [][]byte
	size   int
	// own is true when the spare capacity of the last chunk belongs to this
	// Data alone, so Push may append into it.
	own bool
	// lent is true when some of d's chunks may be a reader's buffer lent
	// for one Input call (see Loan): Own copies them.
	lent   bool
	inline [2][]byte
}

// NewData returns an empty Data.
func NewData() *Data { return &Data{} }

// FromBytes returns a Data holding b without copying it: the caller hands b
// over and must not modify it afterwards.
func FromBytes(b []byte) *Data {
	d := &Data{}
	d.appendView(b)
	return d
}

// FromString returns a Data holding a copy of s.
func FromString(s string) *Data {
	d := &Data{}
	d.PushString(s)
	return d
}

func (d *Data) init() {
	if d.chunks == nil {
		d.chunks = d.inline[:0]
	}
}

// appendView appends b as read-only chunks of at most ChunkSize bytes.
func (d *Data) appendView(b []byte) {
	d.init()
	for len(b) > 0 {
		n := min(len(b), ChunkSize)
		d.chunks = append(d.chunks, b[:n:n])
		d.size += n
		b = b[n:]
	}
	d.own = false
}

// Len returns the number of bytes held.
func (d *Data) Len() int { return d.size }

// Empty reports whether d holds no bytes.
func (d *Data) Empty() bool { return d.size == 0 }

// Push appends a copy of b.
func (d *Data) Push(b []byte) {
	for len(b) > 0 {
		last := d.tail(len(b))
		n := min(cap(*last)-len(*last), len(b))
		*last = append(*last, b[:n]...)
		d.size += n
		b = b[n:]
	}
}

// PushString appends a copy of s.
func (d *Data) PushString(s string) {
	for len(s) > 0 {
		last := d.tail(len(s))
		n := min(cap(*last)-len(*last), len(s))
		*last = append(*last, s[:n]...)
		d.size += n
		s = s[n:]
	}
}

// tail returns the last chunk, after making sure it is d's own and has room;
// want is how many bytes the caller is about to push.
func (d *Data) tail(want int) *[]byte {
	d.init()
	if d.own {
		last := &d.chunks[len(d.chunks)-1]
		if cap(*last) > len(*last) {
			return last
		}
	}
	c := 256
	for (c < want || c < d.size) && c < ChunkSize {
		c *= 2
	}
	d.chunks = append(d.chunks, make([]byte, 0, c))
	d.own = true
	return &d.chunks[len(d.chunks)-1]
}

// PushData appends the bytes of o, sharing its chunks; o is left unchanged.
func (d *Data) PushData(o *Data) {
	if o == nil || o.size == 0 {
		return
	}
	d.init()
	d.chunks = append(d.chunks, o.chunks...)
	d.size += o.size
	d.own = false
	d.lent = d.lent || o.lent
}

// Clone returns a Data with the same bytes, sharing d's chunks.
func (d *Data) Clone() *Data {
	c := &Data{}
	c.PushData(d)
	return c
}

// Shift removes the first n bytes of d (all of them if n > Len) and returns
// them as a new Data that shares d's chunks.
func (d *Data) Shift(n int) *Data {
	out := &Data{}
	d.ShiftTo(n, out)
	return out
}

// ShiftTo removes the first n bytes of d (all of them if n > Len) and
// appends them to out, sharing d's chunks: out.PushData(d.Shift(n)) without
// the Data in between. out must not be d.
func (d *Data) ShiftTo(n int, out *Data) {
	if n <= 0 || d.size == 0 {
		return
	}
	out.init()
	out.lent = out.lent || d.lent
	if n >= d.size {
		// d's last chunk, and its spare capacity if d owned it, go to out.
		if out.size == 0 && len(d.chunks) > len(d.inline) {
			out.chunks = d.chunks // d lets go of its array
		} else {
			out.chunks = append(out.chunks, d.chunks...)
		}
		out.size += d.size
		out.own = d.own
		d.Reset()
		return
	}
	out.own = false
	for n > 0 {
		c := d.chunks[0]
		if len(c) <= n {
			out.chunks = append(out.chunks, c)
			out.size += len(c)
			n -= len(c)
			d.dropFirst()
			continue
		}
		out.chunks = append(out.chunks, c[:n:n])
		out.size += n
		d.chunks[0] = c[n:]
		d.size -= n
		n = 0
	}
}

// Skip discards the first n bytes of d (all of them if n > Len).
func (d *Data) Skip(n int) {
	if n >= d.size {
		d.Reset()
		return
	}
	for n > 0 {
		c := d.chunks[0]
		if len(c) <= n {
			n -= len(c)
			d.dropFirst()
			continue
		}
		d.chunks[0] = c[n:]
		d.size -= n
		n = 0
	}
}

func (d *Data) dropFirst() {
	d.size -= len(d.chunks[0])
	d.chunks[0] = nil
	d.chunks = d.chunks[1:]
	if len(d.chunks) == 0 {
		d.chunks = d.inline[:0]
		d.own = false
	}
}

// IndexByte returns the offset of the first b in d, or -1.
func (d *Data) IndexByte(b byte) int {
	off := 0
	for _, c := range d.chunks {
		if i := bytes.IndexByte(c, b); i >= 0 {
			return off + i
		}
		off += len(c)
	}
	return -1
}

// At returns the byte at offset i; it panics when i is out of range.
func (d *Data) At(i int) byte {
	if i < 0 || i >= d.size {
		panic("event: Data.At(" + strconv.Itoa(i) + ") out of range")
	}
	for _, c := range d.chunks {
		if i < len(c) {
			return c[i]
		}
		i -= len(c)
	}
	panic("unreachable")
}

// Reset empties d.
func (d *Data) Reset() {
	clear(d.inline[:])
	d.chunks = d.inline[:0]
	d.size = 0
	d.own = false
	d.lent = false
}

// Chunks returns d's chunks. They are shared: the caller must not modify
// them, and the slice is valid until d is next changed.
func (d *Data) Chunks() [][]byte { return d.chunks }

// Bytes returns a copy of d's bytes in one slice.
func (d *Data) Bytes() []byte { return d.AppendTo(make([]byte, 0, d.size)) }

// AppendTo appends d's bytes to b and returns the extended slice.
func (d *Data) AppendTo(b []byte) []byte {
	for _, c := range d.chunks {
		b = append(b, c...)
	}
	return b
}

// String returns d's bytes as a string.
func (d *Data) String() string {
	if len(d.chunks) == 1 {
		return string(d.chunks[0])
	}
	return string(d.Bytes())
}

// Buffers returns d's chunks as net.Buffers for a vectored write. The slice
// is new but the chunks are shared and must not be modified.
func (d *Data) Buffers() net.Buffers {
	return append(net.Buffers(nil), d.chunks...)
}

// WriteTo writes all of d's bytes to w, with one vectored write where w
// supports it, and removes what was written from d.
func (d *Data) WriteTo(w io.Writer) (int64, error) {
	bufs := d.Buffers()
	n, err := bufs.WriteTo(w)
	d.Skip(int(n))
	return n, err
}

// Read implements io.Reader: it moves bytes from the front of d into p.
func (d *Data) Read(p []byte) (int, error) {
	if d.size == 0 {
		if len(p) == 0 {
			return 0, nil
		}
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && d.size > 0 {
		k := copy(p[n:], d.chunks[0])
		n += k
		d.Skip(k)
	}
	return n, nil
}

// Equal reports whether d and o hold the same bytes.
func (d *Data) Equal(o *Data) bool {
	if d.size != o.size {
		return false
	}
	return d.String() == o.String()
}
