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

// A request that comes in over HTTP/2 goes on over HTTP/1.1 and back to
// HTTP/2: demuxHTTP's HTTP/2 head is an *http1.RequestHead (protocol
// "HTTP/2", its :authority as Host) that http1.MuxHTTP sends on as
// HTTP/1.1; the HTTP/1 head decoded there shows the same scheme and
// authority (RequestHead.Scheme, Authority), and MuxHTTP makes HTTP/2
// pseudo-header fields of it for an h2c upstream. The answers convert the
// other way.
func ExampleMuxHTTP() {
	var h2c http.Protocols
	h2c.SetUnencryptedHTTP2(true) // h2c with prior knowledge only
	upLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	up := &http.Server{Protocols: &h2c, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "upstream: %s %s %s", r.Proto, r.Method, r.Host)
	})}
	go up.Serve(upLn)
	defer up.Close()

	g := pipeline.NewGroup(1, pipeline.WorkerOptions{})
	defer g.Close()
	var servers []*pipeline.Server
	defer func() {
		for _, srv := range servers {
			srv.Close()
		}
	}()
	serve := func(p *pipeline.Pipeline) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			panic(err)
		}
		srv := &pipeline.Server{Pipeline: p, Group: g}
		go srv.Serve(ln)
		servers = append(servers, srv)
		return ln.Addr().String()
	}
	heads := make(chan string, 2)
	seen := func(s *pipeline.Stream, e *event.MessageStart) {
		h := e.Head.(*http1.RequestHead)
		heads <- fmt.Sprintf("%s %s %s %s", h.Protocol, h.Scheme(), h.Authority(), h.Path)
	}

	// middle: HTTP/1.1 in, HTTP/2 (h2c) out
	m := pipeline.NewModule("middle")
	m.Pipeline("h2-out", filter.OnMessageStart(seen), sh2.MuxHTTP(upLn.Addr().String(), http1.MuxHTTPOptions{}))
	middle := m.Pipeline("front", sh2.DemuxHTTP(filter.To("h2-out")))
	if err := m.Build(); err != nil {
		panic(err)
	}
	middleAddr := serve(middle)

	// edge: HTTP/2 in, HTTP/1.1 out
	e := pipeline.NewModule("edge")
	e.Pipeline("h1-out", filter.OnMessageStart(seen), http1.MuxHTTP(middleAddr, http1.MuxHTTPOptions{}))
	edge := e.Pipeline("front", sh2.DemuxHTTP(filter.To("h1-out")))
	if err := e.Build(); err != nil {
		panic(err)
	}
	edgeAddr := serve(edge)

	tr := &http.Transport{Protocols: &h2c}
	defer tr.CloseIdleConnections()
	req, _ := http.NewRequest("GET", "http://"+edgeAddr+"/a?b", nil)
	req.Host = "example.test"
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		panic(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println("edge got:  ", <-heads)
	fmt.Println("middle got:", <-heads)
	fmt.Println(resp.Proto, string(b))
	// Output:
	// edge got:   HTTP/2 http example.test /a?b
	// middle got: HTTP/1.1 http example.test /a?b
	// HTTP/2.0 upstream: HTTP/2.0 GET example.test
}
