package pipeline_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
)

// A host that owns its connections hands each to ServeConn; here an
// in-memory net.Pipe. The pipeline answers in upper case.
func ExampleServer_ServeConn() {
	p := pipeline.New("upper", filter.ReplaceData(func(s *pipeline.Stream, d *event.Data, out pipeline.Target) {
		out.Input(event.FromString(strings.ToUpper(d.String())))
	}))
	srv := pipeline.NewServer(p, nil)
	defer srv.Close()

	client, conn := net.Pipe()
	served := make(chan error, 1)
	go func() { served <- srv.ServeConn(context.Background(), conn) }()

	go io.WriteString(client, "hello")
	b := make([]byte, 5)
	io.ReadFull(client, b)
	fmt.Println(string(b))
	client.Close()
	fmt.Println(<-served)
	// Output:
	// HELLO
	// <nil>
}

// A stream runs on a worker without any connection: events go in with
// Input, and come out of the target given to NewStream once the worker has
// run them.
func ExampleNewStream() {
	p := pipeline.New("upper", filter.ReplaceData(func(s *pipeline.Stream, d *event.Data, out pipeline.Target) {
		out.Input(event.FromString(strings.ToUpper(d.String())))
	}))
	w := pipeline.NewWorker(pipeline.WorkerOptions{})
	s := pipeline.NewStream(p, pipeline.NewContext(w), pipeline.TargetFunc(func(evt event.Event) {
		fmt.Println(evt)
	}))
	s.Input(event.FromString("hi"))
	s.Input(&event.SessionEnd{})
	w.RunPending()
	// Output:
	// HI
	// SessionEnd
}

func ExampleEmit() {
	show := pipeline.TargetFunc(func(e event.Event) {
		switch e := e.(type) {
		case *event.MessageStart:
			fmt.Println("start:", e.Head)
		case *event.Data:
			fmt.Println("data:", e.Len(), "bytes")
		case *event.MessageEnd:
			fmt.Println("end")
		}
	})
	pipeline.Emit(show, event.NewMessage("POST /upload", "payload"))
	// An empty body emits no Data event.
	pipeline.Emit(show, event.NewMessage("GET /", ""))
	// Output:
	// start: POST /upload
	// data: 7 bytes
	// end
	// start: GET /
	// end
}
