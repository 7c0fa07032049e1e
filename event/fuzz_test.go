package event

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
)

// fuzzOps reads a fuzzer's input as a program of operations on Data values.
type fuzzOps struct {
	b []byte
}

func (r *fuzzOps) done() bool { return len(r.b) == 0 }

// next returns the next byte, or 0 once the input is used up.
func (r *fuzzOps) next() byte {
	if len(r.b) == 0 {
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

// size returns a byte count: small ones are common, but a few reach past
// several chunks.
func (r *fuzzOps) size() int {
	c := r.next()
	if c < 0xC0 {
		return int(c)
	}
	return int(c-0xC0)*1024 + int(r.next())
}

// offset returns an offset into d that is likely to fall at or near a chunk
// boundary or an end; it may be negative or past the end.
func (r *fuzzOps) offset(d *Data) int {
	c := r.next()
	k := int(c >> 2)
	switch c & 3 {
	case 0:
		return d.Len() + k - 8
	case 1:
		return k - 1
	case 2:
		if len(d.Chunks()) == 0 {
			return k
		}
		return len(d.Chunks()[0]) + k - 32
	default:
		return r.size()
	}
}

// fuzzEntry is a Data and the plain bytes it must hold.
type fuzzEntry struct {
	d     *Data
	model []byte
}

const (
	fuzzPool     = 8       // at most this many live Data values
	fuzzMaxBytes = 1 << 19 // the Data values together hold no more than this
	fuzzMaxSteps = 200
)

// FuzzData applies a random sequence of operations to a few Data values that
// share chunks, and to plain byte slices alongside, and checks after every
// step that each Data still holds its slice's bytes.
func FuzzData(f *testing.F) {
	// A program byte is entry<<4 | op, followed by op's arguments. The ops:
	// 0 Push, 1 PushString, 2 FromBytes (size; FromCopy when odd), 3 Shift
	// (ShiftTo the next entry when the offset is odd), 4 Skip (offset),
	// 5 Clone, 6 PushData (entry), 7 Read, 8 WriteTo (size), 9 Reset,
	// 10 IndexByte and At, 11 Equal (entry), 12-15 Push 1-4 bytes.
	f.Add([]byte{0x00, 5, 0x05, 0x0E, 0x1E})                                // push, clone, push to both
	f.Add([]byte{0x00, 0xC0 + 20, 0, 0x03, 45, 0x0F, 0x1F, 0x00, 0xC1, 0})  // push 20 KiB, shift 10, push to both
	f.Add([]byte{0x02, 0xC0 + 40, 7, 0x14, 130, 0x06, 1, 0x1C, 0x0C})       // FromBytes, skip a chunk, PushData
	f.Add([]byte{0x00, 10, 0x03, 32, 0x0E, 0x1E})                           // shift everything, push to both
	f.Add([]byte{0x00, 200, 7, 0x07, 80, 0x08, 100, 0x0A, 65, 10, 0x0B, 0}) // read, write, query
	f.Add([]byte{0x0F, 0x06, 0, 0x06, 0, 0x06, 0, 0x03, 130, 0x1D})         // PushData of itself
	f.Add([]byte{0x00, 5, 0x05, 0x10, 5, 0x06, 1, 0x0E, 0x1E})              // PushData of a chunk with room, push to both
	f.Fuzz(func(t *testing.T, prog []byte) {
		r := &fuzzOps{b: prog}
		pool := []*fuzzEntry{{d: NewData()}}
		seed := byte(1)
		fresh := func(n int) []byte {
			b := pattern(n, seed)
			seed += 37
			return b
		}
		add := func(e *fuzzEntry, step int) {
			if len(pool) < fuzzPool {
				pool = append(pool, e)
			} else {
				pool[step%len(pool)] = e
			}
		}
		total := func() int {
			n := 0
			for _, x := range pool {
				n += len(x.model)
			}
			return n
		}
		var trace []string

		for step := 0; !r.done() && step < fuzzMaxSteps; step++ {
			// One byte picks the operation (low four bits) and the Data it
			// applies to (high four bits); the operation's arguments follow.
			c := r.next()
			op, e := c&15, pool[int(c>>4)%len(pool)]
			switch op {
			case 0, 12, 13, 14, 15: // Push; 12 to 15 push 1 to 4 bytes
				n := int(op) - 11
				if op == 0 {
					n = r.size()
				}
				b := fresh(n)
				if total()+len(b) > fuzzMaxBytes {
					continue
				}
				e.d.Push(b)
				e.model = append(e.model, b...)
				clear(b) // Push copied it
				trace = append(trace, fmt.Sprintf("Push(%d)", len(b)))
			case 1: // PushString
				s := string(fresh(r.size()))
				if total()+len(s) > fuzzMaxBytes {
					continue
				}
				e.d.PushString(s)
				e.model = append(e.model, s...)
				trace = append(trace, fmt.Sprintf("PushString(%d)", len(s)))
			case 2: // FromBytes
				b := fresh(r.size())
				if total()+len(b) > fuzzMaxBytes {
					continue
				}
				if len(b)%2 == 1 { // odd sizes: FromCopy, which must copy
					add(&fuzzEntry{d: FromCopy(b), model: slices.Clone(b)}, step)
					clear(b)
					trace = append(trace, fmt.Sprintf("FromCopy(%d)", len(b)))
					break
				}
				add(&fuzzEntry{d: FromBytes(b), model: slices.Clone(b)}, step)
				trace = append(trace, fmt.Sprintf("FromBytes(%d)", len(b)))
			case 3: // Shift
				n := r.offset(e.d)
				cut := min(max(n, 0), len(e.model))
				if o := pool[(step+1)%len(pool)]; n%2 == 1 && o != e { // odd: ShiftTo another entry
					o.model = append(o.model, e.model[:cut]...)
					e.model = slices.Clone(e.model[cut:])
					e.d.ShiftTo(n, o.d)
					trace = append(trace, fmt.Sprintf("ShiftTo(%d)", n))
					break
				}
				p := e.d.Shift(n)
				prefix := slices.Clone(e.model[:cut])
				e.model = slices.Clone(e.model[cut:])
				add(&fuzzEntry{d: p, model: prefix}, step)
				trace = append(trace, fmt.Sprintf("Shift(%d)", n))
			case 4: // Skip
				n := r.offset(e.d)
				cut := min(max(n, 0), len(e.model))
				e.d.Skip(n)
				e.model = slices.Clone(e.model[cut:])
				trace = append(trace, fmt.Sprintf("Skip(%d)", n))
			case 5: // Clone
				if total()+len(e.model) > fuzzMaxBytes {
					continue
				}
				add(&fuzzEntry{d: e.d.Clone(), model: slices.Clone(e.model)}, step)
				trace = append(trace, "Clone")
			case 6: // PushData, possibly of itself
				o := pool[int(r.next())%len(pool)]
				if total()+len(o.model) > fuzzMaxBytes {
					continue
				}
				e.model = append(e.model, o.model...)
				e.d.PushData(o.d)
				trace = append(trace, fmt.Sprintf("PushData(%d, self=%v)", len(o.model), o == e))
			case 7: // Read
				p := make([]byte, r.size())
				n, err := e.d.Read(p)
				switch {
				case len(e.model) == 0 && len(p) > 0:
					if n != 0 || err == nil {
						t.Fatalf("Read of empty Data = %d, %v", n, err)
					}
				case err != nil:
					t.Fatalf("Read = %d, %v", n, err)
				case n != min(len(p), len(e.model)):
					t.Fatalf("Read(%d bytes) = %d with %d held", len(p), n, len(e.model))
				case !bytes.Equal(p[:n], e.model[:n]):
					t.Fatalf("Read returned the wrong bytes")
				}
				e.model = slices.Clone(e.model[n:])
				trace = append(trace, fmt.Sprintf("Read(%d)", len(p)))
			case 8: // WriteTo a writer that fills up
				budget := r.size()
				w := &budgetWriter{budget: budget}
				n, err := e.d.WriteTo(w)
				want := min(budget, len(e.model))
				if int(n) != want || (err != nil) != (want < len(e.model)) {
					t.Fatalf("WriteTo = %d, %v; want %d of %d bytes", n, err, want, len(e.model))
				}
				if !bytes.Equal(w.buf.Bytes(), e.model[:n]) {
					t.Fatalf("WriteTo wrote the wrong bytes")
				}
				e.model = slices.Clone(e.model[n:])
				trace = append(trace, fmt.Sprintf("WriteTo(%d)", n))
			case 9: // Reset
				e.d.Reset()
				e.model = nil
				trace = append(trace, "Reset")
			case 10: // queries
				c := r.next()
				if got, want := e.d.IndexByte(c), bytes.IndexByte(e.model, c); got != want {
					t.Fatalf("IndexByte(%d) = %d, want %d", c, got, want)
				}
				if len(e.model) > 0 {
					i := int(r.next()) * len(e.model) / 256
					if got := e.d.At(i); got != e.model[i] {
						t.Fatalf("At(%d) = %d, want %d", i, got, e.model[i])
					}
				}
				continue
			case 11: // Equal against a fresh copy, and against another entry
				o := pool[int(r.next())%len(pool)]
				if !e.d.Equal(FromBytes(slices.Clone(e.model))) {
					t.Fatalf("Equal to its own bytes is false")
				}
				if got, want := e.d.Equal(o.d), bytes.Equal(e.model, o.model); got != want {
					t.Fatalf("Equal = %v, want %v", got, want)
				}
				continue
			}
			for i, x := range pool {
				if err := checkData(x.d); err != nil {
					t.Fatalf("after %v: entry %d: %v", trace, i, err)
				}
				if !holds(x.d, x.model) {
					got := x.d.Bytes()
					t.Fatalf("after %v: entry %d holds %d bytes, want %d (first difference at %d)",
						trace, i, len(got), len(x.model), firstDiff(got, x.model))
				}
			}
		}
	})
}

// holds reports whether d holds exactly b, without copying d.
func holds(d *Data, b []byte) bool {
	if d.Len() != len(b) {
		return false
	}
	for _, c := range d.Chunks() {
		if !bytes.Equal(c, b[:len(c)]) {
			return false
		}
		b = b[len(c):]
	}
	return true
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
