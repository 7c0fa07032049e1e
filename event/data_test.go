package event

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/sluice-go/sluice/internal/testnet"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pushers are the two ways of appending a copy of some bytes.
var pushers = []struct {
	name string
	push func(d *Data, b []byte)
}{
	{"Push", func(d *Data, b []byte) { d.Push(b) }},
	{"PushString", func(d *Data, b []byte) { d.PushString(string(b)) }},
}

func TestDataZeroValue(t *testing.T) {
	var d Data
	assert.Equal(t, 0, d.Len())
	assert.True(t, d.Empty())
	assert.Equal(t, "", d.String())
	assert.Empty(t, d.Bytes())
	assert.Empty(t, d.Chunks())
	assert.Empty(t, d.Buffers())
	assert.Equal(t, -1, d.IndexByte(0))
	assert.True(t, d.Equal(NewData()))
	assert.True(t, NewData().Equal(&d))

	n, err := d.Read(make([]byte, 4))
	assert.Equal(t, 0, n)
	assert.Equal(t, io.EOF, err)

	var w bytes.Buffer
	wn, err := d.WriteTo(&w)
	require.NoError(t, err)
	assert.Zero(t, wn)

	assert.True(t, d.Shift(3).Empty())
	assert.True(t, d.Clone().Empty())
	d.Skip(3)
	d.PushData(nil)
	d.PushData(&Data{})
	assert.True(t, d.Empty())

	var z Data
	z.Push([]byte("hello"))
	assert.Equal(t, "hello", z.String())
	var s Data
	s.PushString("hi")
	assert.Equal(t, "hi", s.String())
	var r Data
	r.Reset()
	r.PushString("after reset")
	assert.Equal(t, "after reset", r.String())
	var p Data
	p.PushData(FromString("shared"))
	assert.Equal(t, "shared", p.String())
}

func TestDataPush(t *testing.T) {
	tests := []struct {
		name     string
		pieces   []int // sizes of the pushed pieces
		wantLens []int // chunk lengths afterwards; nil means not checked
	}{
		{name: "nothing", pieces: nil},
		{name: "empty piece", pieces: []int{0}},
		{name: "one byte", pieces: []int{1}, wantLens: []int{1}},
		{name: "exactly ChunkSize", pieces: []int{ChunkSize}, wantLens: []int{ChunkSize}},
		{name: "one past ChunkSize", pieces: []int{ChunkSize + 1}, wantLens: []int{ChunkSize, 1}},
		{name: "several chunks at once", pieces: []int{40000}, wantLens: []int{ChunkSize, ChunkSize, 40000 - 2*ChunkSize}},
		{name: "fill then spill", pieces: []int{ChunkSize - 1, 2}, wantLens: []int{ChunkSize, 1}},
		{name: "small pieces fill the chunk first", pieces: []int{10, 20, 30}, wantLens: []int{60}},
		{name: "mixed", pieces: []int{1, ChunkSize - 1, 1, ChunkSize, 3}},
		{name: "small pieces across ChunkSize", pieces: repeat(200, 100)},
	}
	for _, p := range pushers {
		for _, tt := range tests {
			t.Run(p.name+"/"+tt.name, func(t *testing.T) {
				d := NewData()
				var want []byte
				for i, n := range tt.pieces {
					b := pattern(n, byte(i))
					p.push(d, b)
					want = append(want, b...)
				}
				requireConsistent(t, d)
				assert.Equal(t, len(want), d.Len())
				assert.True(t, bytes.Equal(want, d.Bytes()), "bytes differ")
				if tt.wantLens != nil {
					assert.Equal(t, tt.wantLens, chunkLens(d))
				}
				// Pushing fills the last chunk before it starts another.
				chunks := d.Chunks()
				for i := 0; i+1 < len(chunks); i++ {
					assert.Equal(t, cap(chunks[i]), len(chunks[i]), "chunk %d not full", i)
				}
			})
		}
	}
}

func repeat(n, times int) []int {
	s := make([]int, times)
	for i := range s {
		s[i] = n
	}
	return s
}

func TestDataPushGrowsGeometrically(t *testing.T) {
	for _, p := range pushers {
		t.Run(p.name, func(t *testing.T) {
			d := NewData()
			want := pattern(100_000, 3)
			for i := range want {
				p.push(d, want[i:i+1])
			}
			requireConsistent(t, d)
			assert.True(t, bytes.Equal(want, d.Bytes()))
			// Chunks double from 256 bytes up to ChunkSize: 13 chunks hold
			// 100 000 bytes. One chunk per push would be 100 000.
			assert.LessOrEqual(t, len(d.Chunks()), 13)
			for i, c := range d.Chunks() {
				assert.LessOrEqual(t, cap(c), ChunkSize, "chunk %d", i)
			}
		})
	}
}

func TestFromBytes(t *testing.T) {
	tests := []struct {
		size     int
		wantLens []int
	}{
		{0, nil},
		{1, []int{1}},
		{ChunkSize, []int{ChunkSize}},
		{ChunkSize + 1, []int{ChunkSize, 1}},
		{50_000, []int{ChunkSize, ChunkSize, ChunkSize, 50_000 - 3*ChunkSize}},
	}
	for _, tt := range tests {
		b := pattern(tt.size, 9)
		d := FromBytes(b)
		requireConsistent(t, d)
		assert.Equal(t, tt.wantLens, chunkLens(d), "size %d", tt.size)
		assert.True(t, bytes.Equal(b, d.Bytes()), "size %d", tt.size)
		// The chunks are views of b, not copies, and have no spare capacity.
		off := 0
		for i, c := range d.Chunks() {
			assert.True(t, sameMemory(b[off:], c), "size %d: chunk %d is a copy", tt.size, i)
			assert.Equal(t, len(c), cap(c), "size %d: chunk %d has spare capacity", tt.size, i)
			off += len(c)
		}
	}
}

func TestFromBytesKeepsOutOfCallerSpareCapacity(t *testing.T) {
	buf := make([]byte, 8, 64)
	copy(buf, "12345678")
	d := FromBytes(buf)
	d.PushString("abcdef")
	assert.Equal(t, "12345678abcdef", d.String())
	// Push must not have appended into the spare capacity of the caller's
	// slice: FromBytes takes b, not what lies beyond it.
	assert.Equal(t, make([]byte, 56), buf[8:64])
}

func TestFromString(t *testing.T) {
	assert.True(t, FromString("").Empty())
	s := strings.Repeat("x", ChunkSize+5)
	d := FromString(s)
	requireConsistent(t, d)
	assert.Equal(t, s, d.String())
	assert.Equal(t, []int{ChunkSize, 5}, chunkLens(d))
}

func TestDataPushDataShares(t *testing.T) {
	a := FromString("hello")
	d := FromString("abc")
	d.PushData(a)
	requireConsistent(t, d)
	assert.Equal(t, "abchello", d.String())
	assert.Equal(t, "hello", a.String(), "the pushed Data is left unchanged")
	assert.True(t, sameMemory(a.Chunks()[0], d.Chunks()[1]), "PushData copied instead of sharing")

	// Each side goes on independently.
	a.PushString(" world")
	assert.Equal(t, "abchello", d.String())
	d.PushString("!")
	assert.Equal(t, "hello world", a.String())
	assert.Equal(t, "abchello!", d.String())

	// Nil and empty Data push nothing.
	d.PushData(nil)
	d.PushData(NewData())
	assert.Equal(t, "abchello!", d.String())

	// A Data can push itself.
	d.PushData(d)
	requireConsistent(t, d)
	assert.Equal(t, "abchello!abchello!", d.String())
	d.PushString("?")
	assert.Equal(t, "abchello!abchello!?", d.String())
}

func TestDataPushDataMany(t *testing.T) {
	// More chunks than the inline array holds, some with spare capacity.
	d := NewData()
	var want []byte
	var parts []*Data
	for i := range 10 {
		p := FromBytes(pattern(ChunkSize/2+i, byte(i)))
		if i%2 == 0 {
			p = FromString(string(pattern(100+i, byte(i))))
		}
		parts = append(parts, p)
		want = append(want, p.Bytes()...)
		d.PushData(p)
	}
	requireConsistent(t, d)
	assert.True(t, bytes.Equal(want, d.Bytes()))
	for i, p := range parts {
		p.PushString("junk")
		if i%2 == 1 {
			p.Reset()
		}
	}
	assert.True(t, bytes.Equal(want, d.Bytes()), "changes to pushed Data leaked in")
}

// dataSetups build Data values in states that matter to sharing: with spare
// capacity in an own last chunk, full, multi-chunk, a view, shared, shifted.
var dataSetups = []struct {
	name  string
	build func() *Data
}{
	{"empty", NewData},
	{"own chunk with spare capacity", func() *Data { return FromString("hello") }},
	{"full chunk", func() *Data {
		d := NewData()
		d.Push(pattern(ChunkSize, 1))
		return d
	}},
	{"several chunks", func() *Data { return FromString(string(pattern(40_000, 2))) }},
	{"more chunks than inline", func() *Data {
		d := NewData()
		for i := range 5 {
			d.PushData(FromString(string(pattern(10+i, byte(i)))))
		}
		d.PushString("tail")
		return d
	}},
	{"view of caller bytes", func() *Data {
		b := make([]byte, 10, 100)
		copy(b, "0123456789")
		return FromBytes(b[:10])
	}},
	{"after partial shift", func() *Data {
		d := FromString("hello world")
		d.Shift(6)
		return d
	}},
	{"after partial skip", func() *Data {
		d := FromString("hello world")
		d.Skip(3)
		return d
	}},
	{"whole shift of own chunk", func() *Data {
		d := FromString("hello")
		return d.Shift(d.Len())
	}},
	{"holding another's chunk", func() *Data {
		o := FromString("other")
		d := NewData()
		d.PushData(o)
		o.PushString("MORE")
		return d
	}},
	{"copy with room", func() *Data { return FromCopy([]byte("hello")) }},
	{"after reset", func() *Data {
		d := FromString("gone")
		d.Reset()
		d.PushString("new")
		return d
	}},
}

func TestDataCloneIndependence(t *testing.T) {
	extras := []struct {
		name string
		a, b []byte
	}{
		{"small", []byte("XYZ"), []byte("123")},
		{"large", pattern(20_000, 50), pattern(30_000, 60)},
	}
	for _, s := range dataSetups {
		for _, ex := range extras {
			for _, cloneFirst := range []bool{false, true} {
				name := s.name + "/" + ex.name + "/original first"
				if cloneFirst {
					name = s.name + "/" + ex.name + "/clone first"
				}
				t.Run(name, func(t *testing.T) {
					orig := s.build()
					base := orig.Bytes()
					c := orig.Clone()
					requireConsistent(t, c)
					require.True(t, bytes.Equal(base, c.Bytes()))
					if len(base) > 0 {
						assert.True(t, sameMemory(orig.Chunks()[0], c.Chunks()[0]), "Clone copied the payload")
					}

					wantOrig := append(append([]byte(nil), base...), ex.a...)
					wantClone := append(append([]byte(nil), base...), ex.b...)
					if cloneFirst {
						c.Push(ex.b)
						assert.True(t, bytes.Equal(base, orig.Bytes()), "pushing to the clone changed the original")
						orig.Push(ex.a)
					} else {
						orig.Push(ex.a)
						assert.True(t, bytes.Equal(base, c.Bytes()), "pushing to the original changed the clone")
						c.Push(ex.b)
					}
					requireConsistent(t, orig)
					requireConsistent(t, c)
					assert.True(t, bytes.Equal(wantOrig, orig.Bytes()), "original")
					assert.True(t, bytes.Equal(wantClone, c.Bytes()), "clone")

					// Consuming one side leaves the other alone.
					orig.Skip(1)
					orig.Shift(orig.Len() / 2)
					assert.True(t, bytes.Equal(wantClone, c.Bytes()), "consuming the original changed the clone")
					c.Reset()
					assert.True(t, bytes.Equal(wantOrig[1+(len(wantOrig)-1)/2:], orig.Bytes()), "resetting the clone changed the original")
				})
			}
		}
	}
}

func TestDataCloneOfClone(t *testing.T) {
	d := FromString("abc")
	c1 := d.Clone()
	c2 := c1.Clone()
	d.PushString("d")
	c1.PushString("1")
	c2.PushString("2")
	// A clone of a shifted-out Data whose own chunk came along.
	s := d.Shift(d.Len())
	c3 := s.Clone()
	s.PushString("s")
	c3.PushString("3")
	assert.Equal(t, []string{"abc1", "abc2", "abcds", "abcd3", ""},
		[]string{c1.String(), c2.String(), s.String(), c3.String(), d.String()})
}

// splitSetups build Data values with known chunk boundaries for Shift and
// Skip: first is the length of the first chunk.
var splitSetups = []struct {
	name  string
	build func() *Data
}{
	{"one small chunk", func() *Data { return FromString("hello, world") }},
	{"three chunks", func() *Data { return FromBytes(pattern(40_000, 7)) }},
	{"own chunks", func() *Data { return FromString(string(pattern(40_000, 8))) }},
	{"small shared chunks", func() *Data {
		d := NewData()
		for _, s := range []string{"ab", "cde", "fghij", "k", "lmnopq"} {
			d.PushData(FromString(s))
		}
		return d
	}},
}

// splitPoints returns the interesting offsets to split d at.
func splitPoints(d *Data) []int {
	first := 0
	if len(d.Chunks()) > 0 {
		first = len(d.Chunks()[0])
	}
	n := d.Len()
	return []int{-1, 0, 1, first - 1, first, first + 1, n / 2, n - 1, n, n + 1, 1 << 40}
}

func TestDataShift(t *testing.T) {
	for _, s := range splitSetups {
		for _, k := range splitPoints(s.build()) {
			t.Run(fmt.Sprintf("%s/%d", s.name, k), func(t *testing.T) {
				d := s.build()
				all := d.Bytes()
				cut := min(max(k, 0), len(all))

				p := d.Shift(k)
				requireConsistent(t, p)
				requireConsistent(t, d)
				require.True(t, bytes.Equal(all[:cut], p.Bytes()), "Shift(%d) returned the wrong prefix", k)
				require.True(t, bytes.Equal(all[cut:], d.Bytes()), "Shift(%d) left the wrong rest", k)

				// The prefix stays valid whatever happens to the original,
				// and the other way round.
				d.Push(pattern(ChunkSize+10, 99))
				require.True(t, bytes.Equal(all[:cut], p.Bytes()), "Shift(%d): pushing to the rest changed the prefix", k)
				p.PushString("<<prefix>>")
				want := append(append([]byte(nil), all[cut:]...), pattern(ChunkSize+10, 99)...)
				require.True(t, bytes.Equal(want, d.Bytes()), "Shift(%d): pushing to the prefix changed the rest", k)
				require.Equal(t, string(all[:cut])+"<<prefix>>", p.String())
				requireConsistent(t, p)
				requireConsistent(t, d)
			})
		}
	}
}

func TestDataShiftShares(t *testing.T) {
	b := pattern(40_000, 1)
	d := FromBytes(b)
	p := d.Shift(ChunkSize + 100)
	assert.Equal(t, []int{ChunkSize, 100}, chunkLens(p))
	assert.Equal(t, []int{ChunkSize - 100, 40_000 - 2*ChunkSize}, chunkLens(d))
	assert.True(t, sameMemory(b, p.Chunks()[0]))
	assert.True(t, sameMemory(b[ChunkSize:], p.Chunks()[1]))
	assert.True(t, sameMemory(b[ChunkSize+100:], d.Chunks()[0]))
}

func TestDataShiftEverythingThenPushBoth(t *testing.T) {
	// Shifting everything hands the own chunk (with its spare capacity) to
	// the prefix; the emptied original must not write into it.
	d := FromString("abc")
	p := d.Shift(d.Len())
	assert.True(t, d.Empty())
	d.PushString("XYZ")
	p.PushString("def")
	assert.Equal(t, "XYZ", d.String())
	assert.Equal(t, "abcdef", p.String())

	// The same with more chunks than the inline array.
	d = NewData()
	for i := range 5 {
		d.PushData(FromString(strings.Repeat(string(rune('a'+i)), 3)))
	}
	d.PushString("f")
	p = d.Shift(d.Len())
	d.PushString("XYZ")
	p.PushString("g")
	q := p.Shift(4)
	q.PushString("!")
	p.PushString("h")
	assert.Equal(t, "XYZ", d.String())
	assert.Equal(t, "aaab!", q.String())
	assert.Equal(t, "bbcccdddeeefgh", p.String())
}

func TestDataSkip(t *testing.T) {
	for _, s := range splitSetups {
		for _, k := range splitPoints(s.build()) {
			d := s.build()
			all := d.Bytes()
			cut := min(max(k, 0), len(all))
			c := d.Clone()
			d.Skip(k)
			requireConsistent(t, d)
			require.True(t, bytes.Equal(all[cut:], d.Bytes()), "%s: Skip(%d)", s.name, k)
			require.True(t, bytes.Equal(all, c.Bytes()), "%s: Skip(%d) changed a clone", s.name, k)
			d.PushString("more")
			require.Equal(t, string(all[cut:])+"more", d.String(), "%s: Skip(%d) then push", s.name, k)
		}
	}
}

func TestDataIndexByte(t *testing.T) {
	d := NewData()
	for _, s := range []string{"GET / HT", "TP/1.1\r", "\nHost: x\r\n"} {
		d.PushData(FromString(s))
	}
	tests := []struct {
		b    byte
		want int
	}{
		{'G', 0},
		{' ', 3},
		{'H', 6},
		{'P', 9},
		{'\r', 14},
		{'\n', 15},
		{'x', 22},
		{'z', -1},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, d.IndexByte(tt.b), "IndexByte(%q)", tt.b)
		assert.Equal(t, tt.want, strings.IndexByte(d.String(), tt.b), "model disagrees for %q", tt.b)
	}
	// Offsets count from the current front.
	d.Skip(10)
	assert.Equal(t, 4, d.IndexByte('\r'))
	assert.Equal(t, -1, d.IndexByte('G'))
	assert.Equal(t, -1, NewData().IndexByte('G'))
}

func TestDataAt(t *testing.T) {
	b := pattern(ChunkSize*2+17, 5)
	d := NewData()
	d.PushData(FromBytes(b[:3]))
	d.PushData(FromBytes(b[3:ChunkSize]))
	d.Push(b[ChunkSize:])
	for i := range b {
		if d.At(i) != b[i] {
			t.Fatalf("At(%d) = %d, want %d", i, d.At(i), b[i])
		}
	}
	assert.PanicsWithValue(t, "event: Data.At(-1) out of range", func() { d.At(-1) })
	assert.PanicsWithValue(t, "event: Data.At(32785) out of range", func() { d.At(len(b)) })
	assert.Panics(t, func() { NewData().At(0) })
	d.Skip(2)
	assert.Equal(t, b[2], d.At(0))
}

func TestDataRead(t *testing.T) {
	for _, size := range []int{0, 1, 10, ChunkSize, ChunkSize + 1, 50_000} {
		content := pattern(size, 11)
		require.NoError(t, iotest.TestReader(FromBytes(content), content), "size %d", size)
		require.NoError(t, iotest.TestReader(FromString(string(content)), content), "size %d", size)

		for name, wrap := range map[string]func(io.Reader) io.Reader{
			"OneByteReader": iotest.OneByteReader,
			"HalfReader":    iotest.HalfReader,
			"DataErrReader": iotest.DataErrReader,
		} {
			got, err := io.ReadAll(wrap(FromBytes(content)))
			require.NoError(t, err, "%s size %d", name, size)
			require.True(t, bytes.Equal(content, got), "%s size %d", name, size)
		}
	}
}

func TestDataReadConsumes(t *testing.T) {
	d := NewData()
	d.PushData(FromString("abc"))
	d.PushData(FromString("defgh"))
	c := d.Clone()

	p := make([]byte, 4)
	n, err := d.Read(p)
	require.NoError(t, err)
	assert.Equal(t, "abcd", string(p[:n]), "Read fills p across chunks")
	assert.Equal(t, "efgh", d.String())

	n, err = d.Read(nil)
	assert.Equal(t, 0, n)
	assert.NoError(t, err, "Read(nil) on a non-empty Data")

	n, err = d.Read(make([]byte, 100))
	require.NoError(t, err)
	assert.Equal(t, 4, n)
	assert.True(t, d.Empty())

	n, err = d.Read(make([]byte, 100))
	assert.Equal(t, 0, n)
	assert.Equal(t, io.EOF, err)
	n, err = d.Read(nil)
	assert.Equal(t, 0, n)
	assert.NoError(t, err, "Read(nil) on an empty Data")

	assert.Equal(t, "abcdefgh", c.String(), "reading changed a clone")
}

// budgetWriter accepts up to budget bytes in all and fails after that, with a
// partial write when a Write straddles the limit.
type budgetWriter struct {
	buf    bytes.Buffer
	budget int
	calls  int
}

var errFull = errors.New("writer full")

func (w *budgetWriter) Write(p []byte) (int, error) {
	w.calls++
	if len(p) <= w.budget {
		w.budget -= len(p)
		return w.buf.Write(p)
	}
	n := w.budget
	w.budget = 0
	w.buf.Write(p[:n])
	return n, errFull
}

func TestDataWriteTo(t *testing.T) {
	content := pattern(40_000, 13)
	for _, budget := range []int{0, 1, 100, ChunkSize - 1, ChunkSize, ChunkSize + 1, 30_000, 40_000, 50_000} {
		d := FromBytes(content)
		c := d.Clone()
		w := &budgetWriter{budget: budget}
		n, err := d.WriteTo(w)
		written := min(budget, len(content))
		assert.Equal(t, int64(written), n, "budget %d", budget)
		if budget < len(content) {
			assert.ErrorIs(t, err, errFull, "budget %d", budget)
		} else {
			assert.NoError(t, err, "budget %d", budget)
			assert.Equal(t, 3, w.calls, "budget %d: one Write per chunk", budget)
		}
		assert.True(t, bytes.Equal(content[:written], w.buf.Bytes()), "budget %d: written bytes", budget)
		requireConsistent(t, d)
		assert.True(t, bytes.Equal(content[written:], d.Bytes()), "budget %d: what was written is removed", budget)
		assert.True(t, bytes.Equal(content, c.Bytes()), "budget %d: WriteTo changed a clone", budget)

		// The rest can be written afterwards.
		w.budget = len(content)
		_, err = d.WriteTo(w)
		require.NoError(t, err)
		assert.True(t, bytes.Equal(content, w.buf.Bytes()), "budget %d: resumed write", budget)
		assert.True(t, d.Empty())
	}
}

func TestDataWriteToIOCopy(t *testing.T) {
	// io.Copy uses WriteTo.
	content := pattern(ChunkSize+300, 17)
	var buf bytes.Buffer
	n, err := io.Copy(&buf, FromBytes(content))
	require.NoError(t, err)
	assert.Equal(t, int64(len(content)), n)
	assert.True(t, bytes.Equal(content, buf.Bytes()))

	// TruncateWriter reports everything written: all of d is removed.
	buf.Reset()
	d := FromBytes(content)
	_, err = d.WriteTo(iotest.TruncateWriter(&buf, 10))
	require.NoError(t, err)
	assert.Equal(t, content[:10], buf.Bytes())
	assert.True(t, d.Empty())
}

func TestDataWriteToTCP(t *testing.T) {
	// A TCP connection takes the vectored (writev) path of net.Buffers.
	conn, accepted := testnet.Pair(t)
	content := pattern(3*ChunkSize+123, 19)
	got := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(accepted)
		got <- b
	}()

	d := NewData()
	d.PushData(FromBytes(content[:7]))
	d.Push(content[7:])
	n, err := d.WriteTo(conn)
	require.NoError(t, err)
	require.NoError(t, conn.Close())
	assert.Equal(t, int64(len(content)), n)
	assert.True(t, d.Empty())
	assert.True(t, bytes.Equal(content, <-got))
}

func TestDataBuffers(t *testing.T) {
	d := NewData()
	d.PushData(FromString("ab"))
	d.PushData(FromString("cde"))
	d.PushString("f")
	bufs := d.Buffers()
	require.Len(t, bufs, 3)
	for i := range bufs {
		assert.True(t, sameMemory(d.Chunks()[i], bufs[i]), "buffer %d is a copy", i)
	}
	// The slice is d's to keep: consuming it leaves d alone.
	var out bytes.Buffer
	_, err := bufs.WriteTo(&out)
	require.NoError(t, err)
	assert.Equal(t, "abcdef", out.String())
	assert.Empty(t, bufs)
	assert.Equal(t, "abcdef", d.String())
	assert.Len(t, d.Chunks(), 3)

	bufs = d.Buffers()
	bufs[0] = []byte("zz")
	assert.Equal(t, "abcdef", d.String())
}

func TestDataBytesAppendToString(t *testing.T) {
	d := NewData()
	d.PushData(FromString("ab"))
	d.PushString("cd")
	assert.Equal(t, []byte("xyabcd"), d.AppendTo([]byte("xy")))
	b := d.Bytes()
	b[0] = 'Z'
	assert.Equal(t, "abcd", d.String(), "Bytes returns a copy")
	one := FromString("one chunk")
	assert.Equal(t, "one chunk", one.String())
}

func TestDataEqual(t *testing.T) {
	big := pattern(40_000, 23)
	pieces := NewData()
	for i := 0; i < len(big); i += 1000 {
		pieces.PushData(FromBytes(big[i : i+1000]))
	}
	other := pattern(40_000, 23)
	other[39_999]++

	tests := []struct {
		name string
		a, b *Data
		want bool
	}{
		{"both empty", NewData(), &Data{}, true},
		{"empty and not", NewData(), FromString("x"), false},
		{"same bytes", FromString("abc"), FromString("abc"), true},
		{"same bytes, other chunking", FromBytes(big), pieces, true},
		{"different length", FromString("abc"), FromString("abcd"), false},
		{"same length, different byte", FromBytes(big), FromBytes(other), false},
		{"prefix", FromString("abc"), FromString("abd"), false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.a.Equal(tt.b), "%s: a.Equal(b)", tt.name)
		assert.Equal(t, tt.want, tt.b.Equal(tt.a), "%s: b.Equal(a)", tt.name)
		assert.True(t, tt.a.Equal(tt.a), "%s: a.Equal(a)", tt.name)
	}
}

func TestDataReset(t *testing.T) {
	for _, s := range dataSetups {
		d := s.build()
		before := d.Bytes()
		c := d.Clone()
		d.Reset()
		requireConsistent(t, d)
		assert.True(t, d.Empty(), s.name)
		assert.Empty(t, d.Chunks(), s.name)
		d.PushString("again")
		assert.Equal(t, "again", d.String(), s.name)
		assert.True(t, bytes.Equal(before, c.Bytes()), "%s: Reset and push changed a clone", s.name)
	}
}

func TestFromCopy(t *testing.T) {
	for _, n := range []int{0, 1, 40, 41, 104, 105, 168, 169, 424, 928, 1952, 4000, 4001, MaxCopyTogether, MaxCopyTogether + 1, ChunkSize + 1} {
		b := pattern(n, 5)
		want := bytes.Clone(b)
		d := FromCopy(b)
		requireConsistent(t, d)
		require.Equal(t, want, d.Bytes(), "%d bytes", n)
		clear(b)
		assert.Equal(t, want, d.Bytes(), "%d bytes: FromCopy kept the caller's bytes", n)
		// Its room is its own: pushes go on after the copy.
		d.PushString("more")
		requireConsistent(t, d)
		assert.Equal(t, string(want)+"more", d.String())
	}
}

func TestFromCopyAllocatesOnce(t *testing.T) {
	for _, n := range []int{1, 30, 100, 160, 400, 900, 1900, 3000, MaxCopyTogether} {
		b := pattern(n, 6)
		allocs := testing.AllocsPerRun(100, func() { FromCopy(b) })
		assert.Equal(t, 1.0, allocs, "%d bytes", n)
	}
}

func TestDataShiftTo(t *testing.T) {
	for _, src := range dataSetups {
		for _, dst := range dataSetups {
			size := src.build().Len()
			for _, n := range []int{0, 1, size / 2, size - 1, size, size + 1} {
				if n < 0 {
					continue
				}
				d, out := src.build(), dst.build()
				before, rest := d.String(), ""
				k := min(n, len(before))
				rest = before[k:]
				want := out.String() + before[:k]
				d.ShiftTo(n, out)
				name := fmt.Sprintf("%s into %s, %d", src.name, dst.name, n)
				requireConsistent(t, d)
				requireConsistent(t, out)
				require.Equal(t, want, out.String(), name)
				require.Equal(t, rest, d.String(), name)
				// Each goes on alone: pushes to one never show in the other.
				d.PushString("D")
				out.PushString("O")
				assert.Equal(t, want+"O", out.String(), name)
				assert.Equal(t, rest+"D", d.String(), name)
			}
		}
	}
}

func TestDataShiftToAllocatesNothing(t *testing.T) {
	src, out, hello := NewData(), NewData(), FromString("hello")
	allocs := testing.AllocsPerRun(100, func() {
		src.PushData(hello)
		src.ShiftTo(2, out)
		src.ShiftTo(10, out)
		out.Reset()
	})
	assert.Zero(t, allocs)
}

func TestDataInitCopy(t *testing.T) {
	for _, c := range []struct{ n, room int }{{0, 8}, {1, 8}, {8, 8}, {9, 8}, {100, 0}} {
		b := pattern(c.n, 7)
		want := bytes.Clone(b)
		room := make([]byte, 0, c.room)
		var d Data
		d.InitCopy(b, room)
		requireConsistent(t, &d)
		require.Equal(t, want, d.Bytes(), "%d bytes in %d", c.n, c.room)
		clear(b)
		assert.Equal(t, want, d.Bytes(), "%d bytes in %d: InitCopy kept the caller's bytes", c.n, c.room)
		if c.n > 0 && c.n <= c.room {
			assert.Same(t, &room[:1][0], &d.Chunks()[0][0], "%d bytes in %d: the copy is in the room", c.n, c.room)
		}
		d.PushString("more") // its room is its own: pushes go on after the copy
		requireConsistent(t, &d)
		assert.Equal(t, string(want)+"more", d.String())
	}
}
