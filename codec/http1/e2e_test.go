package http1

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/sluice-go/sluice/internal/testnet"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
)

// serve starts a server running DecodeRequest, echo and EncodeResponse on
// 127.0.0.1:0 and returns its address.
func serve(t *testing.T) string {
	t.Helper()
	t.Cleanup(pipelinetest.LeakCheck(t)) // after the server has closed
	srv := pipeline.NewServer(pipeline.New("http", DecodeRequest(), responder(echo), EncodeResponse(nil)), nil)
	return testnet.ServeOn(t, srv, pipeline.ErrServerClosed)
}

func TestEndToEndNetHTTPClient(t *testing.T) {
	addr := serve(t)
	tr := &http.Transport{MaxConnsPerHost: 1}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	for i, body := range []string{"", "small", strings.Repeat("big", 20000)} {
		method := "GET"
		if body != "" {
			method = "POST"
		}
		req, _ := http.NewRequest(method, "http://"+addr+"/r?i="+string(rune('0'+i)), strings.NewReader(body))
		if i == 2 {
			req.ContentLength = -1 // sent chunked
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 || resp.Header.Get("X-Path") != req.URL.RequestURI() || string(got) != method+" "+body {
			t.Fatalf("request %d: %s %v body of %d bytes", i, resp.Status, resp.Header, len(got))
		}
		if i == 2 && resp.ContentLength != -1 {
			t.Fatalf("a big body was not streamed chunked (length %d)", resp.ContentLength)
		}
	}
}

func TestEndToEndBadRequest(t *testing.T) {
	addr := serve(t)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 400 || !resp.Close {
		t.Fatalf("got %s, close %v", resp.Status, resp.Close)
	}
	// The server closes the connection after the answer.
	if n, err := conn.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("read after the answer: %d, %v", n, err)
	}
}

func TestEndToEndConnectionClose(t *testing.T) {
	addr := serve(t)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\n")
	all, err := io.ReadAll(conn)
	if err != nil {
		t.Fatal(err)
	}
	want := "HTTP/1.1 200 OK\r\nx-path: /a\r\ncontent-length: 4\r\n\r\nGET " +
		"HTTP/1.1 200 OK\r\nx-path: /b\r\nconnection: close\r\ncontent-length: 4\r\n\r\nGET "
	if string(all) != want {
		t.Fatalf("got %q\nwant %q", all, want)
	}
}
