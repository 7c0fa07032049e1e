package event

// A Data and the bytes of its only chunk in one allocation, for the hot
// paths that make one small Data per message (a socket's small reads, an
// encoder's message heads): allocating the struct and its bytes together
// halves their allocations. Each type fills a size class of Go's
// allocator, so that its room is not rounded away (objects over 512 bytes
// carry an 8-byte malloc header).
type (
	dataRoom40 struct {
		d Data
		b [40]byte
	} // 128 bytes
	dataRoom104 struct {
		d Data
		b [104]byte
	} // 192
	dataRoom168 struct {
		d Data
		b [168]byte
	} // 256 bytes
	dataRoom424 struct {
		d Data
		b [424]byte
	} // 512
	dataRoom928 struct {
		d Data
		b [928]byte
	} // 1024 with the header
	dataRoom1952 struct {
		d Data
		b [1952]byte
	} // 2048
	dataRoom4000 struct {
		d Data
		b [4000]byte
	} // 4096
	dataRoom8096 struct {
		d Data
		b [8096]byte
	} // 8192
)

// MaxCopyTogether is the most bytes FromCopy allocates together with the
// Data; larger ones get a chunk of their own.
const MaxCopyTogether = 8096

// FromCopy returns a Data holding a copy of b. Up to MaxCopyTogether bytes
// are allocated together with the Data, in one allocation rather than two;
// the rest of that room is the Data's own, for later pushes.
func FromCopy(b []byte) *Data {
	var d *Data
	var room []byte
	switch n := len(b); {
	case n == 0:
		return &Data{}
	case n <= 40:
		x := new(dataRoom40)
		d, room = &x.d, x.b[:0]
	case n <= 104:
		x := new(dataRoom104)
		d, room = &x.d, x.b[:0]
	case n <= 168:
		x := new(dataRoom168)
		d, room = &x.d, x.b[:0]
	case n <= 424:
		x := new(dataRoom424)
		d, room = &x.d, x.b[:0]
	case n <= 928:
		x := new(dataRoom928)
		d, room = &x.d, x.b[:0]
	case n <= 1952:
		x := new(dataRoom1952)
		d, room = &x.d, x.b[:0]
	case n <= 4000:
		x := new(dataRoom4000)
		d, room = &x.d, x.b[:0]
	case n <= MaxCopyTogether:
		x := new(dataRoom8096)
		d, room = &x.d, x.b[:0]
	default:
		d = &Data{}
		d.Push(b)
		return d
	}
	d.InitCopy(b, room)
	return d
}

// InitCopy makes d, which must be empty and unused, hold a copy of b in
// room, a slice of length zero the caller hands over: room's bytes become
// d's own, so that later pushes fill its spare capacity. It lets a caller
// allocate a Data and its bytes together with something else of its own;
// when b does not fit in room, d gets a chunk of its own like Push.
func (d *Data) InitCopy(b, room []byte) {
	if len(b) > cap(room) || len(b) == 0 {
		d.Push(b)
		return
	}
	d.inline[0] = append(room[:0], b...)
	d.chunks = d.inline[:1]
	d.size = len(b)
	d.own = true
}
