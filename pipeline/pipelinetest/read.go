package pipelinetest

import (
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// SocketReader hands bytes to a Target as a socket's small reads do, for
// in-process tests and benchmarks of a socket's stream: lent (event.Loan)
// when the Target borrows (pipeline.Borrower), else copied into a new
// Data. Its zero value is ready; it is used on one worker.
type SocketReader struct {
	loan event.Loan
	buf  []byte
}

// Read hands a Data holding b to t, as one read of a socket that got b.
func (r *SocketReader) Read(t pipeline.Target, b []byte) {
	if len(r.buf) < len(b) {
		r.buf = make([]byte, max(len(b), 16<<10))
	}
	n := copy(r.buf, b)
	if bt, ok := t.(pipeline.Borrower); !ok || !bt.Borrows() {
		t.Input(event.FromCopy(r.buf[:n]))
		return
	}
	t.Input(r.loan.Lend(r.buf[:n]))
	if !r.loan.End() {
		r.buf = nil // poisoned (lentcheck): whoever kept it reads poison
	}
}
