package pipeline_test

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/internal/testnet"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// borrower records the Data it gets during Input: its bytes and whether it
// was lent.
type borrower struct {
	borrows bool
	got     chan read
}

type read struct {
	s    string
	lent bool
}

func (b *borrower) Borrows() bool { return b.borrows }

func (b *borrower) Input(evt event.Event) {
	if d, ok := evt.(*event.Data); ok {
		b.got <- read{d.String(), d.Lent()}
	}
}

// A socket read by its worker's poller lends its small reads (event.Loan)
// to a Target that borrows (pipeline.Borrower), and only to one that does;
// a large read keeps its buffer, lent to no one.
func TestSocketLendsOnlyToABorrower(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("only the worker's poller (Linux) lends")
	}
	check := pipelinetest.LeakCheck(t)
	g := pipeline.NewGroup(1, pipeline.WorkerOptions{})
	w := g.Next()
	big := strings.Repeat("x", 12<<10)
	for _, borrows := range []bool{true, false} {
		c, sc := testnet.Pair(t)
		b := &borrower{borrows: borrows, got: make(chan read, 8)}
		w.Post(func() {
			s := pipeline.NewStream(pipeline.New("p"), pipeline.NewContext(w), nil)
			pipeline.NewSocket(s, sc, pipeline.ConnOptions{}).Start(b, nil)
		})
		for _, msg := range []string{"hi", big} {
			_, err := c.Write([]byte(msg))
			require.NoError(t, err)
			got := ""
			var lent []bool
			for len(got) < len(msg) {
				select {
				case r := <-b.got:
					got += r.s
					lent = append(lent, r.lent)
				case <-time.After(20 * time.Second):
					t.Fatal("nothing read")
				}
			}
			require.Equal(t, msg, got)
			if msg == "hi" {
				assert.Equal(t, []bool{borrows}, lent, "borrows %v", borrows)
			} else if len(lent) == 1 { // one read of 12 KiB: its buffer kept
				assert.False(t, lent[0], "a large read")
			}
		}
		c.Close()
	}
	g.Close()
	check()
}

// An Outbound lends what its socket reads to its out when that borrows: a
// stream's tail asks the stream's output.
func TestOutboundLendsToABorrowingOutput(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("only the worker's poller (Linux) lends")
	}
	check := pipelinetest.LeakCheck(t)
	srv := testnet.Serve(t, testnet.Echo)
	g := pipeline.NewGroup(1, pipeline.WorkerOptions{})
	w := g.Next()
	p := pipeline.New("p", &obFilter{target: srv.Addr()})
	for _, borrows := range []bool{true, false} {
		b := &borrower{borrows: borrows, got: make(chan read, 8)}
		var s *pipeline.Stream
		w.Post(func() {
			s = pipeline.NewStream(p, pipeline.NewContext(w), b)
			s.Input(event.FromString("hi"))
		})
		select {
		case r := <-b.got:
			assert.Equal(t, read{"hi", borrows}, r, "borrows %v", borrows)
		case <-time.After(20 * time.Second):
			t.Fatal("nothing read")
		}
		w.Post(func() { s.Input(&event.SessionEnd{}) })
	}
	g.Close()
	srv.Close()
	check()
}
