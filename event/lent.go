package event

// A Loan lends a reader's buffer to one Input call as a Data, so that a
// read is neither copied nor allocated: the reader (a socket) reads into a
// pooled buffer, hands Lend's Data to a Target that takes lent Data, and
// calls End once that Input call has returned, taking the buffer and the
// Data back for its next read.
//
// The rule a Target taking lent Data keeps: the Data, and any Data that
// shares its chunks (PushData, Shift, ShiftTo, Clone carry the mark, see
// Lent), is valid only until its Input call returns. It keeps nothing of it
// past that call, and what it passes on does not share the lent bytes: the
// lent Data itself goes back to the Loan, so a Target moves what it keeps
// or passes on into a Data of its own (ShiftTo, PushData) and calls Own on
// that, or copies the bytes out. Only
// Targets that say so (pipeline.Borrower) are lent Data; every other gets
// Data that owns its bytes, as before.
//
// Built with the lentcheck tag, End poisons what it takes back (the
// buffer's bytes and the Data) and Lend hands out a fresh Data each time,
// so that a Target that breaks the rule reads garbage in the tests:
// go test -tags lentcheck ./... is the check of the rule.
//
// A Loan is used by one goroutine at a time; its zero value is ready.
type Loan struct {
	d   Data
	buf []byte
	out *Data
}

// Lend returns a Data holding b without copying it, marked lent (Lent). b
// stays the caller's: it must not be changed before End.
func (l *Loan) Lend(b []byte) *Data {
	d := &l.d
	if lentCheck {
		d = &Data{}
	} else if d.size != 0 || len(d.chunks) != 0 {
		d.Reset() // lent before without End
	}
	d.appendView(b)
	d.lent = true
	l.buf, l.out = b, d
	return d
}

// End takes back what Lend lent: the Data handed out must no longer be
// used by anyone. It reports whether the buffer may be used again (false
// under the lentcheck tag, where it is poisoned instead).
func (l *Loan) End() (reuse bool) {
	d, b := l.out, l.buf
	l.out, l.buf = nil, nil
	if d == nil {
		return true
	}
	if lentCheck {
		for i := range b {
			b[i] = poisonByte
		}
		d.Reset()
		d.appendView(b) // whoever kept it reads poison
		d.lent = true
		return false
	}
	d.Reset()
	return true
}

// poisonByte fills a buffer taken back under the lentcheck tag.
const poisonByte = 0xDB

// Lent reports whether some of d's bytes may be a buffer lent for the
// Input call that carries it (Loan): a Target that keeps d, or passes it
// or Data sharing its chunks on, must Own it first. Data made otherwise
// is never lent.
func (d *Data) Lent() bool { return d.lent }

// Own makes d hold its bytes in memory of its own when some of them may be
// lent (Lent), copying them; otherwise it does nothing. d must not be the
// Data a Loan lent, which goes back to the Loan whatever it holds.
func (d *Data) Own() {
	if !d.lent {
		return
	}
	if d.size == 0 {
		d.Reset()
		return
	}
	b := d.Bytes()
	d.Reset()
	d.appendView(b)
}

// OwnIn is Own, copying d's bytes into room when they fit: room, of length
// zero, is handed over (a caller's spare memory, such as room left in a
// block allocated with a message head), so the copy allocates nothing. It
// reports whether room was used; when d is not lent it does nothing.
func (d *Data) OwnIn(room []byte) bool {
	if !d.lent {
		return false
	}
	if d.size == 0 || d.size > cap(room) {
		d.Own()
		return false
	}
	b := d.AppendTo(room[:0])
	d.Reset()
	d.appendView(b)
	return true
}
