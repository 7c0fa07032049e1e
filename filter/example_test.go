package filter_test

import (
	"fmt"
	"os"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
)

// runHandlerExample feeds evts to a stream of p on a worker of its own and
// returns what came out (the same as pipelinetest.Harness, without a
// testing.T).
func runHandlerExample(p *pipeline.Pipeline, evts ...event.Event) []event.Event {
	var out []event.Event
	w := pipeline.NewWorker(pipeline.WorkerOptions{})
	s := pipeline.NewStream(p, pipeline.NewContext(w), pipeline.TargetFunc(func(e event.Event) {
		out = append(out, e)
	}))
	for _, e := range evts {
		s.Input(e)
	}
	w.RunPending()
	return out
}

// ReplaceMessage turns every request into a "hello" response; Data outside
// messages passes on unchanged.
func ExampleReplaceMessage() {
	p := pipeline.New("hello", filter.ReplaceMessage(
		func(s *pipeline.Stream, req *event.Message, out pipeline.Target) {
			pipeline.Emit(out, event.NewMessage(fmt.Sprintf("response to %v", req.Head), "hello"))
		}))
	in := pipelinetest.Message("GET /a", "")
	in = append(in, pipelinetest.Message("POST /b", "some body")...)
	in = append(in, &event.SessionEnd{})
	out := runHandlerExample(p, in...)
	for _, m := range pipelinetest.Messages(out) {
		fmt.Printf("%v: %s\n", m.Head, m.Body)
	}
	fmt.Println(pipelinetest.Dump(out))
	// Output:
	// response to GET /a: hello
	// response to POST /b: hello
	// MSresponse to GET /a D"hello" ME MSresponse to POST /b D"hello" ME SE
}

// OnMessage sees each complete message while its events pass on as they
// come.
func ExampleOnMessage() {
	p := pipeline.New("log", filter.OnMessage(func(s *pipeline.Stream, m *event.Message) {
		fmt.Printf("message %v with %d bytes: %q\n", m.Head, m.Body.Len(), m.Body)
	}))
	out := runHandlerExample(p,
		&event.MessageStart{Head: "greeting"},
		event.FromString("hel"), event.FromString("lo"),
		&event.MessageEnd{},
		&event.SessionEnd{})
	fmt.Println(pipelinetest.Dump(out))
	// Output:
	// message greeting with 5 bytes: "hello"
	// MSgreeting D"hel" D"lo" ME SE
}

// ReplaceMessageBody rewrites each body once it is complete, however it was
// split.
func ExampleReplaceMessageBody() {
	p := pipeline.New("wrap", filter.ReplaceMessageBody(func(s *pipeline.Stream, body *event.Data) *event.Data {
		return event.FromString("[" + body.String() + "]")
	}))
	out := runHandlerExample(p,
		&event.MessageStart{}, event.FromString("a"), event.FromString("b"), &event.MessageEnd{},
		&event.SessionEnd{})
	fmt.Println(pipelinetest.Dump(out))
	// Output:
	// MS D"[ab]" ME SE
}

// DumpTo shows each event on a line of its own.
func ExampleDumpTo() {
	p := pipeline.New("dump", filter.DumpTo(os.Stdout, "in"))
	runHandlerExample(p, append(pipelinetest.Message("head", "body"), &event.SessionEnd{})...)
	// Output:
	// [in] MessageStart head
	// [in] Data 4 "body"
	// [in] MessageEnd
	// [in] SessionEnd
}

// Print writes the bytes of Data events to standard output.
func ExamplePrint() {
	p := pipeline.New("print", filter.Print(), filter.Dummy())
	runHandlerExample(p, event.FromString("hello, "), event.FromString("world\n"), &event.SessionEnd{})
	// Output:
	// hello, world
}
