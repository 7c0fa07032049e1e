package filter_test

// Test-local filters and helpers shared by the tests of link, use, fork,
// demux, mux and wait. They stand in for the handler filters and codecs so
// that these tests depend on nothing but the engine.

import (
	"strings"
	"testing"
	"time"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/require"
)

// flowFunc is a filter made of a function that returns the instance.
type flowFunc func(s *pipeline.Stream, next pipeline.Target) pipeline.Target

func (flowFunc) Info() pipeline.Info { return pipeline.Info{Name: "test"} }

func (f flowFunc) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target { return f(s, next) }

// flowAnswer answers each message with a message whose body is prefix and
// the request's body; delay, when not nil, says how long (on the worker
// clock) each answer takes. A SessionEnd is held until every answer is out;
// it is not passed on: the stream ends by itself after it.
func flowAnswer(prefix string, delay func(body string) time.Duration) pipeline.Filter {
	return flowFunc(func(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
		var r event.MessageReader
		pending, held := 0, false
		return pipeline.TargetFunc(func(evt event.Event) {
			msg, _ := r.Read(evt)
			switch evt.(type) {
			case *event.MessageEnd:
				if msg == nil {
					return
				}
				text := msg.Body.String()
				answer := func() { pipeline.Emit(next, event.NewMessage(nil, prefix+text)) }
				var d time.Duration
				if delay != nil {
					d = delay(text)
				}
				if d <= 0 {
					answer()
					return
				}
				pending++
				s.AfterFunc(d, func() {
					answer()
					if pending--; pending == 0 && held {
						held = false
						s.Release()
					}
				})
			case *event.SessionEnd:
				if pending > 0 && !held {
					held = true
					s.Hold()
				}
			}
		})
	})
}

// flowUpper upper-cases Data and passes every event on.
func flowUpper() pipeline.Filter {
	return flowFunc(func(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
		return pipeline.TargetFunc(func(evt event.Event) {
			if d, ok := evt.(*event.Data); ok {
				evt = event.FromString(strings.ToUpper(d.String()))
			}
			next.Input(evt)
		})
	})
}

// flowRecord appends what each of its streams sees to *log, tagged with the
// stream's Data, and passes every event on.
func flowRecord(log *[]string) pipeline.Filter {
	return flowFunc(func(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
		return pipeline.TargetFunc(func(evt event.Event) {
			*log = append(*log, flowTag(s.Value())+pipelinetest.Describe(evt))
			next.Input(evt)
		})
	})
}

func flowTag(v any) string {
	if v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s + ":"
	}
	return "?:"
}

// flowFailOn ends the stream with kind when a Data equal to text arrives, and
// passes every other event on.
func flowFailOn(text string, kind event.ErrorKind) pipeline.Filter {
	return flowFunc(func(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
		return pipeline.TargetFunc(func(evt event.Event) {
			if d, ok := evt.(*event.Data); ok && d.String() == text {
				s.Fail(kind, flowError(text))
				return
			}
			next.Input(evt)
		})
	})
}

type flowError string

func (e flowError) Error() string { return "test failure: " + string(e) }

// flowCount counts the streams started (*started) and closed (*closed).
func flowCount(started, closed *int) pipeline.Filter {
	return flowFunc(func(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
		*started++
		s.OnClose(func() { *closed++ })
		return next
	})
}

// flowLines decodes "\n"-terminated lines of Data into messages (nil head,
// the line without its "\n" as body). Other events pass on.
func flowLines() pipeline.Filter {
	return flowFunc(func(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
		buf := event.NewData()
		return pipeline.TargetFunc(func(evt event.Event) {
			d, ok := evt.(*event.Data)
			if !ok {
				next.Input(evt)
				return
			}
			buf.PushData(d)
			for {
				i := buf.IndexByte('\n')
				if i < 0 {
					return
				}
				line := buf.Shift(i)
				buf.Skip(1)
				next.Input(&event.MessageStart{})
				if line.Len() > 0 {
					next.Input(line)
				}
				next.Input(&event.MessageEnd{})
			}
		})
	})
}

// flowUnlines encodes messages as their body and a "\n". Other events pass
// on.
func flowUnlines() pipeline.Filter {
	return flowFunc(func(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
		var body *event.Data
		return pipeline.TargetFunc(func(evt event.Event) {
			switch e := evt.(type) {
			case *event.MessageStart:
				body = event.NewData()
			case *event.Data:
				if body == nil {
					next.Input(e)
					return
				}
				body.PushData(e)
			case *event.MessageEnd:
				if body != nil {
					body.PushString("\n")
					next.Input(body)
					body = nil
				}
			default:
				next.Input(evt)
			}
		})
	})
}

// flowBodies returns the bodies of the complete messages in evts.
func flowBodies(evts []event.Event) []string {
	var out []string
	for _, m := range pipelinetest.Messages(evts) {
		out = append(out, m.Body.String())
	}
	return out
}

// flowBuild builds m and fails the test on error.
func flowBuild(t *testing.T, m *pipeline.Module) *pipeline.Module {
	t.Helper()
	require.NoError(t, m.Build())
	return m
}

// flowRecorder is an output Target that keeps what it gets.
type flowRecorder struct{ evts []event.Event }

func (r *flowRecorder) Input(evt event.Event) { r.evts = append(r.evts, evt) }

func (r *flowRecorder) end() *event.SessionEnd {
	for _, e := range r.evts {
		if se, ok := e.(*event.SessionEnd); ok {
			return se
		}
	}
	return nil
}

func flowMessage(body string) []event.Event { return pipelinetest.Message(nil, body) }
