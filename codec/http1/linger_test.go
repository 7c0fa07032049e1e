package http1

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sluice-go/sluice/internal/testnet"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
)

// serveWith starts a server running dec, echo and EncodeResponse with
// connection options opts on 127.0.0.1:0 and returns its address.
func serveWith(t *testing.T, dec *DecodeRequestFilter, opts pipeline.ConnOptions) string {
	t.Helper()
	t.Cleanup(pipelinetest.LeakCheck(t)) // after the server has closed
	srv := pipeline.NewServer(pipeline.New("http", dec, responder(echo), EncodeResponse(nil)), nil)
	srv.Conn = opts
	return testnet.ServeOn(t, srv, pipeline.ErrServerClosed)
}

// sendThenRead sends head and then body bytes of body, all of them, as a
// client that writes its whole request before it reads does, and then reads
// the answer, which the server sent as soon as it saw the head, while the
// body was still arriving. It returns the answer's status, or the first
// error, of writing (a reset: the server closed with bytes unread) or of
// reading.
func sendThenRead(t *testing.T, addr, head string, body int) (int, error) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(conn, head); err != nil {
		return 0, err
	}
	chunk := []byte(strings.Repeat("x", 16<<10))
	for n := 0; n < body; n += len(chunk) {
		if _, err := conn.Write(chunk[:min(len(chunk), body-n)]); err != nil {
			return 0, err
		}
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, err
}

// A body over MaxBodySize is refused with 413 as soon as the head is in; the
// client, still sending its body, then reads the whole 413: the server
// lingers (reads and discards) instead of closing with bytes unread, which
// makes the kernel reset the connection. Go's HTTP client, which writes the
// body while it waits for the answer and gives up at a write error, is the
// client.
func TestLingeringCloseLets413BeRead(t *testing.T) {
	addr := serveWith(t, &DecodeRequestFilter{Options: Options{MaxBodySize: 1000}}, pipeline.ConnOptions{})
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Post("http://"+addr+"/up", "application/octet-stream",
		io.LimitReader(zeros{}, 10000000))
	if err != nil {
		t.Fatalf("the client did not get the answer: %v", err)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	if resp.StatusCode != 413 {
		t.Fatalf("status %d, want 413", resp.StatusCode)
	}
}

// zeros reads as an endless run of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// A client that writes its whole request (head and a 4 MB body) before it
// reads gets the 413 the server answered after the head, instead of a reset
// while it writes.
func TestLingeringCloseLets413BeReadAfterTheBody(t *testing.T) {
	addr := serveWith(t, &DecodeRequestFilter{Options: Options{MaxBodySize: 1000}}, pipeline.ConnOptions{})
	status, err := sendThenRead(t, addr, "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 4000000\r\n\r\n", 4000000)
	if err != nil {
		t.Fatalf("the client did not get the answer: %v", err)
	}
	if status != 413 {
		t.Fatalf("status %d, want 413", status)
	}
}

// Bad framing (two different Content-Lengths) is refused with 400 while
// bytes keep arriving; the client reads the whole 400 after sending them.
func TestLingeringCloseLets400BeRead(t *testing.T) {
	addr := serveWith(t, DecodeRequest(), pipeline.ConnOptions{})
	status, err := sendThenRead(t, addr,
		"POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 4000000\r\nContent-Length: 5\r\n\r\n", 4000000)
	if err != nil {
		t.Fatalf("the client did not get the answer: %v", err)
	}
	if status != 400 {
		t.Fatalf("status %d, want 400", status)
	}
}
