package http1

import (
	"errors"
	"strings"
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// funcFilter is a test filter whose instance is made by a function.
type funcFilter struct {
	name string
	new  func(s *pipeline.Stream, next pipeline.Target) pipeline.Target
}

func (f *funcFilter) Info() pipeline.Info { return pipeline.Info{Name: f.name} }
func (f *funcFilter) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	return f.new(s, next)
}

// responder answers each request message it receives with the response
// answer returns (head and body), once the request's MessageEnd is in. Data
// outside messages is echoed as is (a tunnel). SessionEnd passes on.
func responder(answer func(req *RequestHead, body string) []event.Event) pipeline.Filter {
	return &funcFilter{name: "responder", new: func(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
		var head *RequestHead
		var body strings.Builder
		return pipeline.TargetFunc(func(evt event.Event) {
			switch evt := evt.(type) {
			case *event.MessageStart:
				head, _ = evt.Head.(*RequestHead)
				body.Reset()
			case *event.Data:
				if head == nil {
					next.Input(evt)
					return
				}
				body.WriteString(evt.String())
			case *event.MessageEnd:
				for _, e := range answer(head, body.String()) {
					next.Input(e)
				}
				head = nil
			default:
				next.Input(evt)
			}
		})
	}}
}

// echo answers with 200 and a body naming the request.
func echo(req *RequestHead, body string) []event.Event {
	return []event.Event{
		&event.MessageStart{Head: &ResponseHead{Status: 200, Headers: Headers{{"x-path", req.Path}}}},
		event.FromString(req.Method + " " + body),
		&event.MessageEnd{},
	}
}

// upstream is a fake server for client-side tests: it decodes the request
// bytes it receives and, for each complete request, sends the next of
// replies as bytes. A SessionEnd coming in is replaced by end, when set.
func upstream(replies []string, end *event.SessionEnd, seen *[]string) pipeline.Filter {
	return &funcFilter{name: "upstream", new: func(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
		dec := NewRequestDecoder(Options{})
		i := 0
		return pipeline.TargetFunc(func(evt event.Event) {
			switch evt := evt.(type) {
			case *event.Data:
				err := dec.Decode(evt, func(e event.Event) {
					if ms, ok := e.(*event.MessageStart); ok && seen != nil {
						*seen = append(*seen, ms.Head.(*RequestHead).String())
					}
					if _, ok := e.(*event.MessageEnd); ok && i < len(replies) {
						next.Input(event.FromString(replies[i]))
						i++
					}
				})
				if err != nil {
					panic(err)
				}
			case *event.SessionEnd:
				if end != nil {
					next.Input(end)
					return
				}
				next.Input(evt)
			default:
				next.Input(evt)
			}
		})
	}}
}

// sessionEnd returns the last event if it is a SessionEnd, else fails.
func sessionEnd(t *testing.T, evts []event.Event) *event.SessionEnd {
	t.Helper()
	if len(evts) == 0 {
		t.Fatal("no output")
	}
	se, ok := evts[len(evts)-1].(*event.SessionEnd)
	if !ok {
		t.Fatalf("last event is %T, not a SessionEnd", evts[len(evts)-1])
	}
	return se
}

// syntaxStatus returns the status of the SyntaxError behind se, or 0.
func syntaxStatus(se *event.SessionEnd) int {
	var syn *SyntaxError
	if errors.As(se.Cause, &syn) {
		return syn.Status
	}
	return 0
}
