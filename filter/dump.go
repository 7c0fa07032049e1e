package filter

import (
	"io"
	"os"
	"strconv"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// dumpDataLimit is how many bytes of a Data event a dump line shows.
const dumpDataLimit = 256

// Dump returns a filter that writes one line per event to standard error, the
// log output, prefixed with "[tag] ", and passes every event on unchanged. It
// is DumpTo(os.Stderr, tag).
func Dump(tag string) pipeline.Filter { return DumpTo(os.Stderr, tag) }

// DumpTo returns a filter that writes one line per event to w (standard
// error when w is nil) and passes every event on unchanged. A line is the tag
// in brackets (left out when tag is empty), then the event:
//
//	[tag] Data 5 "hello"
//	[tag] MessageStart <head>
//	[tag] MessageEnd
//	[tag] SessionEnd read error: <message>
//
// Data shows its size and its first 256 bytes quoted, with "..." after when
// there are more; heads and tails are formatted with %v. Each line is one
// w.Write; write errors are ignored, as dumping is for diagnosis only. w
// must be safe for concurrent use (os.Stderr is).
func DumpTo(w io.Writer, tag string) pipeline.Filter {
	if w == nil {
		w = os.Stderr
	}
	f := &dump{w: w}
	if tag != "" {
		f.prefix = "[" + tag + "] "
	}
	return f
}

// DumpFunc is DumpTo with a tag computed for each event: tag is called on
// the worker with the event's stream before the line is written (Pipy's
// dump with a function), and an empty result leaves the tag out.
func DumpFunc(w io.Writer, tag func(*pipeline.Stream) string) pipeline.Filter {
	f := DumpTo(w, "").(*dump)
	f.tag = tag
	return f
}

var dumpInfo = pipeline.Info{
	Name:     "dump",
	Synopsis: "(tag)",
	Summary:  "Writes each event, readably, to the log output",
	Params:   []pipeline.Param{{Name: "tag", Type: "string", Doc: "Printed before each event"}},
}

type dump struct {
	w      io.Writer
	prefix string
	tag    func(*pipeline.Stream) string // nil: prefix is fixed
}

func (*dump) Info() pipeline.Info { return dumpInfo }

func (f *dump) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	return &dumpInst{s: s, next: next, f: f}
}

// dumpInst is the per-stream instance. line and raw are reused scratch
// buffers.
type dumpInst struct {
	s         *pipeline.Stream
	next      pipeline.Target
	f         *dump
	line, raw []byte
}

func (f *dumpInst) Input(evt event.Event) {
	if f.s.Ended() {
		return
	}
	line := append(f.line[:0], f.f.prefix...)
	if f.f.tag != nil {
		if tag := f.f.tag(f.s); tag != "" {
			line = append(append(append(line, '['), tag...), "] "...)
		}
	}
	switch e := evt.(type) {
	case *event.Data:
		line = append(line, "Data "...)
		line = strconv.AppendInt(line, int64(e.Len()), 10)
		line = append(line, ' ')
		raw := f.raw[:0]
		for _, c := range e.Chunks() {
			raw = append(raw, c[:min(len(c), dumpDataLimit-len(raw))]...)
		}
		line = strconv.AppendQuote(line, string(raw))
		if e.Len() > len(raw) {
			line = append(line, "..."...)
		}
		f.raw = raw
	default:
		line = append(line, evt.String()...)
	}
	line = append(line, '\n')
	f.f.w.Write(line)
	if cap(line) <= 4<<10 {
		f.line = line
	}
	f.next.Input(evt)
}
