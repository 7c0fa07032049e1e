package filter

import (
	"io"
	"os"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// Print returns a filter that writes the bytes of every Data event, inside
// messages or not, to standard output, and passes every event on unchanged.
// It is PrintTo(os.Stdout).
func Print() pipeline.Filter { return PrintTo(os.Stdout) }

// PrintTo returns a filter that writes the bytes of every Data event, inside
// messages or not, to w (standard output when w is nil), and passes every
// event on unchanged; MessageStart, MessageEnd and SessionEnd write nothing.
// The bytes are written chunk by chunk, with no separator and no copy; write
// errors are ignored. w must be safe for concurrent use (os.Stdout is), and
// output of different streams may interleave.
func PrintTo(w io.Writer) pipeline.Filter {
	if w == nil {
		w = os.Stdout
	}
	return &printer{w: w}
}

var printInfo = pipeline.Info{
	Name:     "print",
	Synopsis: "()",
	Summary:  "Writes Data bytes to standard output",
}

type printer struct {
	w io.Writer
}

func (*printer) Info() pipeline.Info { return printInfo }

func (f *printer) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	return &printInst{s: s, next: next, w: f.w}
}

// printInst is the per-stream instance.
type printInst struct {
	s    *pipeline.Stream
	next pipeline.Target
	w    io.Writer
}

func (f *printInst) Input(evt event.Event) {
	if f.s.Ended() {
		return
	}
	if d, ok := evt.(*event.Data); ok {
		for _, c := range d.Chunks() {
			f.w.Write(c)
		}
	}
	f.next.Input(evt)
}
