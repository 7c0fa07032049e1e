package http1_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
)

// echoUpgradeUpstream switches a request with an Upgrade field to a
// protocol that echoes every line but "quiet", which it only reports on
// quiet (if not nil), and closes after "bye"; other requests get "answer to <path>".
func echoUpgradeUpstream(t *testing.T, quiet chan<- struct{}) *countingUpstream {
	return startUpstream(t, func(w http.ResponseWriter, r *http.Request, u *countingUpstream) {
		if r.Header.Get("Upgrade") == "" {
			answerPath(w, r, u)
			return
		}
		nc, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer nc.Close()
		io.WriteString(rw, "HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: echo\r\n\r\n")
		rw.Flush()
		for {
			line, err := rw.ReadString('\n')
			if line == "quiet\n" && quiet != nil {
				quiet <- struct{}{}
			} else if line != "" {
				nc.Write([]byte(line))
			}
			if err != nil || line == "bye\n" {
				return
			}
		}
	})
}

// upgrade connects to the proxy at addr and asks for the "echo" protocol;
// it returns the connection (closed at the test's end) once the 101 is read.
func upgrade(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(20 * time.Second))
	io.WriteString(c, "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: echo\r\n\r\n")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.StatusCode; got != 101 {
		t.Fatalf("got %v, want %v", got, 101)
	}
	return c, br
}

// TestMuxHTTPUpgradeIsATunnel: a 101 joins its upstream connection to the
// client both ways; it leaves the pool, so with MaxConns 1 another client
// is still served while the tunnel is open, and it is never reused.
func TestMuxHTTPUpgradeIsATunnel(t *testing.T) {
	up := echoUpgradeUpstream(t, nil)
	addr := serveProxy(t, http1.MuxHTTP(up.addr(), http1.MuxHTTPOptions{MaxConns: 1}))
	c, br := upgrade(t, addr)
	for _, msg := range []string{"ping\n", "pong, twice\n"} {
		io.WriteString(c, msg)
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if line != msg {
			t.Fatalf("the tunnel echoes: got %v, want %v", line, msg)
		}
	}

	get(t, addr, 3, 1, func(int) string { return "/plain" })

	c.(*net.TCPConn).CloseWrite()
	rest, err := io.ReadAll(br)
	if err != nil {
		t.Fatalf("the upstream's end closes the client: %v", err)
	}
	if len(rest) != 0 {
		t.Fatalf("got %q, want nothing", rest)
	}
	get(t, addr, 3, 1, func(int) string { return "/after" })
	if got := up.accepted.Load(); got != 2 {
		t.Fatalf("the tunnel's connection was never reused: got %v, want %v", got, 2)
	}
}

// TestMuxHTTPTunnelEndsWithTheUpstream: an upstream that closes its side
// of a tunnel closes the client's connection, and its pool is left free.
func TestMuxHTTPTunnelEndsWithTheUpstream(t *testing.T) {
	up := echoUpgradeUpstream(t, nil)
	addr := serveProxy(t, http1.MuxHTTP(up.addr(), http1.MuxHTTPOptions{MaxConns: 1}))
	c, br := upgrade(t, addr)
	io.WriteString(c, "bye\n")
	rest, err := io.ReadAll(br)
	if err != nil {
		t.Fatalf("closed, not reset or hung: %v", err)
	}
	if got := string(rest); got != "bye\n" {
		t.Fatalf("got %v, want %v", got, "bye\n")
	}
	get(t, addr, 2, 1, func(int) string { return "/after" })
}

// TestMuxHTTPTunnelOwesNoAnswer: once a connection is a tunnel, the
// answer timeout no longer applies: a message the upstream does not answer
// for longer than it does not cut the tunnel.
func TestMuxHTTPTunnelOwesNoAnswer(t *testing.T) {
	quiet := make(chan struct{}, 1)
	up := echoUpgradeUpstream(t, quiet)
	clock := pipelinetest.NewClock()
	addr := serveProxyClock(t, http1.MuxHTTP(up.addr(), http1.MuxHTTPOptions{}), clock)
	c, br := upgrade(t, addr)
	io.WriteString(c, "quiet\n")
	<-quiet
	clock.Advance(pipeline.DefaultAnswerTimeout+time.Second, nil) // less than the client's idle timeout
	// A request through the same worker runs after the timers that fired.
	get(t, addr, 1, 1, func(int) string { return "/later" })
	io.WriteString(c, "still there?\n")
	line, err := br.ReadString('\n')
	if err != nil {
		t.Fatalf("the tunnel was not cut: %v", err)
	}
	if line != "still there?\n" {
		t.Fatalf("got %v, want %v", line, "still there?\n")
	}
}

// TestMuxHTTPInterimAnswersPassThrough: a 100 Continue reaches the client,
// which then sends its body, and the request gets its final answer.
func TestMuxHTTPInterimAnswersPassThrough(t *testing.T) {
	up := startUpstream(t, func(w http.ResponseWriter, r *http.Request, _ *countingUpstream) {
		b, _ := io.ReadAll(r.Body)
		io.WriteString(w, "got "+string(b))
	})
	addr := serveProxy(t, http1.MuxHTTP(up.addr(), http1.MuxHTTPOptions{}))
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	io.WriteString(c, "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
	br := bufio.NewReader(c)
	line, err := br.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(line, "HTTP/1.1 100 ") {
		t.Fatalf("got %q, want a 100 Continue", line)
	}
	_, err = readHeadRest(br)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, "hello")
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if got := resp.StatusCode; got != 200 {
		t.Fatalf("got %v, want %v", got, 200)
	}
	if got := string(b); got != "got hello" {
		t.Fatalf("got %v, want %v", got, "got hello")
	}

	io.WriteString(c, "GET /next HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err = http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	if got := string(b); got != "got " {
		t.Fatalf("the next request gets its own answer: got %v, want %v", got, "got ")
	}
}

// readHeadRest reads header lines up to the empty line.
func readHeadRest(br *bufio.Reader) (string, error) {
	var sb strings.Builder
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			return sb.String(), err
		}
		if l == "\r\n" {
			return sb.String(), nil
		}
		sb.WriteString(l)
	}
}
