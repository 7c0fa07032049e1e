package pipeline

// A Borrower is a Target that takes lent Data (event.Loan): a Data whose
// bytes are a socket's read buffer, valid only until its Input call
// returns. Borrows reports whether it takes them; when it does, it keeps
// nothing of a lent Data past Input and passes on only Data owning its
// bytes (event.Data.Own). A socket lends its small reads to a Target that
// borrows, instead of copying each into a new Data; every other Target
// gets Data that owns its bytes.
type Borrower interface {
	Target
	Borrows() bool
}

// borrows reports whether t takes lent Data.
func borrows(t Target) bool {
	b, ok := t.(Borrower)
	return ok && b.Borrows()
}

// Borrows reports whether the stream's first filter takes lent Data
// (Borrower): Input hands each event straight to it.
func (s *Stream) Borrows() bool { return borrows(s.head) }

// Borrows reports whether the stream's output takes lent Data: the tail
// hands each event straight to it.
func (t *tail) Borrows() bool { return borrows(t.s.out) }
