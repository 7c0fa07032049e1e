package http2_test

import (
	"fmt"
	"io"
	"net"
	"net/http"

	"github.com/sluice-go/sluice/codec/http1"
	sh2 "github.com/sluice-go/sluice/codec/http2"
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
)

// One listener serving HTTP/1.x and HTTP/2 (h2c) with demuxHTTP: each
// request goes to a stream of the "hello" pipeline, whose message is the
// answer.
func ExampleDemuxHTTP() {
	m := pipeline.NewModule("example")
	m.Pipeline("hello", filter.ReplaceMessage(func(s *pipeline.Stream, msg *event.Message, out pipeline.Target) {
		h := msg.Head.(*http1.RequestHead)
		pipeline.Emit(out, &event.Message{Head: event.Fields{"status": 200}, Body: event.FromString("hello over " + h.Protocol)})
	}))
	front := m.Pipeline("front", sh2.DemuxHTTP(filter.To("hello")))
	if err := m.Build(); err != nil {
		panic(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	g := pipeline.NewGroup(1, pipeline.WorkerOptions{})
	defer g.Close()
	srv := &pipeline.Server{Pipeline: front, Group: g}
	go srv.Serve(ln)
	defer srv.Close()

	var protos http.Protocols
	protos.SetUnencryptedHTTP2(true) // h2c with prior knowledge
	for _, tr := range []*http.Transport{{Protocols: &protos}, {}} {
		resp, err := (&http.Client{Transport: tr}).Get("http://" + ln.Addr().String() + "/")
		if err != nil {
			panic(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		tr.CloseIdleConnections()
		fmt.Println(resp.Proto, string(b))
	}
	// Output:
	// HTTP/2.0 hello over HTTP/2
	// HTTP/1.1 hello over HTTP/1.1
}
