package http1_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluice-go/sluice/codec/http1"
)

// bigUpstream answers /big with size zero bytes, counting what it wrote,
// and /slow once release is closed.
func bigUpstream(t *testing.T, size int64, written *atomic.Int64, release chan struct{}) *countingUpstream {
	return startUpstream(t, func(w http.ResponseWriter, r *http.Request, _ *countingUpstream) {
		if r.URL.Path == "/slow" {
			<-release
			io.WriteString(w, "slow")
			return
		}
		w.Header().Set("Content-Length", fmt.Sprint(size))
		buf := make([]byte, 32<<10)
		for left := size; left > 0; {
			n := min(left, int64(len(buf)))
			if _, err := w.Write(buf[:n]); err != nil {
				return
			}
			written.Add(n)
			left -= n
		}
	})
}

// waitStill waits, with a deadline, until n stops growing (or reaches max).
func waitStill(n *atomic.Int64, max int64) {
	last, still := int64(-1), 0
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && still < 10 && n.Load() < max; {
		time.Sleep(50 * time.Millisecond) // polling for quiescence: there is no event for "nothing happens"
		if v := n.Load(); v == last {
			still++
		} else {
			last, still = v, 0
		}
	}
}

func heapInUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse)
}

// TestMuxHTTPSlowClientPausesItsUpstream: a client that does not read a
// 64 MiB answer stops the pooled connection's reading, so the upstream
// stops once the socket buffers are full, and the proxy holds little.
func TestMuxHTTPSlowClientPausesItsUpstream(t *testing.T) {
	const size = 64 << 20
	var written atomic.Int64
	up := bigUpstream(t, size, &written, nil)
	addr := serveProxy(t, http1.MuxHTTP(up.addr(), http1.MuxHTTPOptions{}))
	before := heapInUse()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.(*net.TCPConn).SetReadBuffer(64 << 10)
	c.SetDeadline(time.Now().Add(time.Minute))
	io.WriteString(c, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReaderSize(c, 4096)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.StatusCode; got != 200 {
		t.Fatalf("got %v, want %v", got, 200)
	}

	waitStill(&written, size)
	growth := heapInUse() - before
	t.Logf("paused client: upstream wrote %d of %d bytes; heap in use grew by %d bytes", written.Load(), size, growth)
	if x, y := written.Load(), int64(size/2); !(x < y) {
		t.Errorf("the upstream is paused while the client does not read: %v is not less than %v", x, y)
	}
	if x, y := growth, int64(16<<20); !(x < y) {
		t.Errorf("the proxy does not hold the answer: %v is not less than %v", x, y)
	}

	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(size) {
		t.Fatalf("got %v, want %v", n, int64(size))
	}
}

// TestMuxHTTPWaitingAnswerIsBounded: the answer of a pipelined request that
// waits for an earlier one is buffered only up to a bound; then its
// connection pauses until its turn.
func TestMuxHTTPWaitingAnswerIsBounded(t *testing.T) {
	const size = 64 << 20
	var written atomic.Int64
	release := make(chan struct{})
	up := bigUpstream(t, size, &written, release)
	addr := serveProxy(t, http1.MuxHTTP(up.addr(), http1.MuxHTTPOptions{}))
	before := heapInUse()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Minute))
	io.WriteString(c, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /big HTTP/1.1\r\nHost: x\r\n\r\n")

	waitStill(&written, size)
	growth := heapInUse() - before
	t.Logf("waiting answer: upstream wrote %d of %d bytes; heap in use grew by %d bytes", written.Load(), size, growth)
	if x, y := written.Load(), int64(size/2); !(x < y) {
		t.Errorf("the waiting answer's upstream is paused: %v is not less than %v", x, y)
	}
	if x, y := growth, int64(16<<20); !(x < y) {
		t.Errorf("the proxy does not hold the waiting answer: %v is not less than %v", x, y)
	}

	close(release)
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if got := string(b); got != "slow" {
		t.Fatalf("got %v, want %v", got, "slow")
	}
	resp, err = http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(size) {
		t.Fatalf("got %v, want %v", n, int64(size))
	}
}

// TestMuxHTTPSlowUpstreamPausesTheUpload: an upstream that does not read a
// 64 MiB request body stops the client's upload once the buffers are full,
// and the proxy holds little of it.
func TestMuxHTTPSlowUpstreamPausesTheUpload(t *testing.T) {
	const size = 64 << 20
	release := make(chan struct{})
	up := startUpstream(t, func(w http.ResponseWriter, r *http.Request, _ *countingUpstream) {
		<-release
		n, _ := io.Copy(io.Discard, r.Body)
		fmt.Fprint(w, n)
	})
	addr := serveProxy(t, http1.MuxHTTP(up.addr(), http1.MuxHTTPOptions{}))
	before := heapInUse()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Minute))
	var sent atomic.Int64
	go func() {
		fmt.Fprintf(c, "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", size)
		buf := make([]byte, 32<<10)
		for left := int64(size); left > 0; {
			n, err := c.Write(buf[:min(left, int64(len(buf)))])
			sent.Add(int64(n))
			left -= int64(n)
			if err != nil {
				return
			}
		}
	}()

	waitStill(&sent, size)
	growth := heapInUse() - before
	t.Logf("paused upstream: client sent %d of %d bytes; heap in use grew by %d bytes", sent.Load(), size, growth)
	if x, y := sent.Load(), int64(size/2); !(x < y) {
		t.Errorf("the upload is paused while the upstream does not read: %v is not less than %v", x, y)
	}
	if x, y := growth, int64(16<<20); !(x < y) {
		t.Errorf("the proxy does not hold the body: %v is not less than %v", x, y)
	}

	close(release)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if got := string(b); got != fmt.Sprint(size) {
		t.Fatalf("got %v, want %v", got, fmt.Sprint(size))
	}
}
