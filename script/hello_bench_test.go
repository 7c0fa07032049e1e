package script_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/script"
)

// The hello benchmarks serve the same HTTP hello pipeline, once from a JS
// configuration and once assembled in Go, on one worker, and drive each with
// keep-alive clients over loopback. They report requests per second
// ("req/s"); compare the JS and Go figures of one run, not absolute numbers.

const helloBody = "Hello, World!\n"

var scriptOptsLoopback = script.Options{ListenHost: "127.0.0.1"}

// BenchmarkHelloJS is examples/hello: a constant reply message.
func BenchmarkHelloJS(b *testing.B) {
	benchHello(b, load(b, `
pipy()
.listen(0)
  .decodeHttpRequest()
  .replaceMessage(new Message('Hello, World!\n'))
  .encodeHttpResponse()
`, scriptOptsLoopback))
}

// BenchmarkHelloJSFunc builds the reply in a JS callback on every request.
func BenchmarkHelloJSFunc(b *testing.B) {
	benchHello(b, load(b, `
pipy()
.listen(0)
  .decodeHttpRequest()
  .replaceMessage(() => new Message('Hello, World!\n'))
  .encodeHttpResponse()
`, scriptOptsLoopback))
}

// BenchmarkHelloGo is the same pipeline built with the Go API.
func BenchmarkHelloGo(b *testing.B) {
	m := pipeline.NewModule("hello")
	m.Listen("127.0.0.1:0", pipeline.ListenOptions{},
		http1.DecodeRequest(),
		filter.ReplaceMessage(func(s *pipeline.Stream, msg *event.Message, out pipeline.Target) {
			pipeline.Emit(out, &event.Message{Body: event.FromString(helloBody)})
		}),
		http1.EncodeResponse(nil),
	)
	benchHello(b, m)
}

// benchHello starts m on one worker and sends b.N requests over a few
// keep-alive connections, each waiting for its answer before the next.
func benchHello(b *testing.B, m *pipeline.Module) {
	pr, err := pipeline.Start(m, pipeline.StartOptions{Workers: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer pr.Close()
	addr := pr.Addrs()[0].String()
	const conns = 16
	req := []byte("GET / HTTP/1.1\r\nHost: bench\r\n\r\n")
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	work := make(chan struct{}, conns)
	start := make(chan struct{})
	for range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(time.Minute))
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := bufio.NewReader(c)
			<-start
			for range work {
				if _, err := c.Write(req); err != nil {
					errs <- err
					return
				}
				if err := readHelloResponse(r); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	b.ReportAllocs()
	b.ResetTimer()
	t0 := time.Now()
	close(start)
	for range b.N {
		work <- struct{}{}
	}
	close(work)
	wg.Wait()
	elapsed := time.Since(t0)
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
}

// readHelloResponse reads one response with a Content-Length body and checks
// that the body is the greeting.
func readHelloResponse(r *bufio.Reader) error {
	n := -1
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(line) <= 2 {
			break
		}
		if v, ok := bytes.CutPrefix(bytes.ToLower(line), []byte("content-length:")); ok {
			n, err = strconv.Atoi(string(bytes.TrimSpace(v)))
			if err != nil {
				return err
			}
		}
	}
	if n != len(helloBody) {
		return fmt.Errorf("content-length %d, want %d", n, len(helloBody))
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return err
	}
	if string(body) != helloBody {
		return fmt.Errorf("body %q", body)
	}
	return nil
}
