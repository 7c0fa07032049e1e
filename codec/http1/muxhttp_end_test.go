package http1_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/internal/testnet"
	"github.com/sluice-go/sluice/pipeline"
)

// TestMuxHTTPEndPassesOnWhenIdle: a keep-alive connection idle after its
// answers is closed when a reload drains it. muxHTTP passed its input's
// SessionEnd on only while it held a request, so the end the drain sends
// down an idle connection's stream was swallowed: the connection stayed
// open, and the client's next request was dropped unanswered (it hung).
func TestMuxHTTPEndPassesOnWhenIdle(t *testing.T) {
	up := startUpstream(t, answerPath)
	g := pipeline.NewGroup(1, pipeline.WorkerOptions{})
	t.Cleanup(g.Close) // after the server has closed
	proxy := func() *pipeline.Pipeline {
		return pipeline.New("proxy", http1.DecodeRequest(), http1.MuxHTTP(up.addr(), http1.MuxHTTPOptions{}), http1.EncodeResponse(nil))
	}
	srv := pipeline.NewServer(proxy(), g)
	addr := testnet.ServeOn(t, srv, pipeline.ErrServerClosed)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
	r := bufio.NewReader(c)
	res, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	if string(b) != "answer to /a" {
		t.Fatalf("got %q", b)
	}
	srv.SetPipeline(proxy()) // a reload: the idle connection is drained
	rest, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("the drained idle connection was not closed: %v", err)
	}
	if len(rest) != 0 {
		t.Fatalf("unexpected bytes after the answer: %q", rest)
	}
}
