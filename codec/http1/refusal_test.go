package http1

import (
	"bytes"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
)

// logBuffer collects log lines; safe for the worker and the test.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// loggedServer is server with its log at info level captured, and a client
// address in its context.
func loggedServer(t *testing.T, dec *DecodeRequestFilter, filters ...pipeline.Filter) (*pipelinetest.Harness, *logBuffer) {
	logs := &logBuffer{}
	if filters == nil {
		filters = []pipeline.Filter{responder(echo)}
	}
	p := pipeline.New("test", append(append([]pipeline.Filter{dec}, filters...), EncodeResponse(nil))...)
	h := pipelinetest.New(t, p, pipelinetest.WithSetup(func(h *pipelinetest.Harness) {
		h.Worker = pipeline.NewWorker(pipeline.WorkerOptions{Clock: h.Clock,
			Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))})
		h.Context = pipeline.NewContext(h.Worker)
		h.Context.RemoteAddr = &net.TCPAddr{IP: net.IPv4(192, 0, 2, 7), Port: 40123}
	}))
	return h, logs
}

func TestRefusedRequestIsLoggedAtInfo(t *testing.T) {
	for _, c := range []struct {
		name, raw string
		status    string
		reason    string
	}{
		{"malformed", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", "400", "whitespace before colon in header field at byte 20"},
		{"smuggling", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "400", "conflicting content-length values"},
		{"long line", "GET /" + strings.Repeat("a", 9000) + " HTTP/1.1\r\n", "414", "request line too long at byte 8193"},
		{"big head", "GET / HTTP/1.1\r\n" + strings.Repeat("X-A: "+strings.Repeat("b", 1000)+"\r\n", 70), "431", "message head too large"},
		{"TLS", "\x16\x03\x01", "400", "malformed request line at byte 0"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h, logs := loggedServer(t, DecodeRequest())
			h.InputString(c.raw)
			if !strings.HasPrefix(h.OutputString(), "HTTP/1.1 "+c.status+" ") {
				t.Fatalf("answer %q", h.OutputString())
			}
			line := logs.String()
			for _, want := range []string{"level=INFO", `msg="http1: request refused"`, "status=" + c.status, c.reason, "remote=192.0.2.7:40123"} {
				if !strings.Contains(line, want) {
					t.Fatalf("log %q lacks %q", line, want)
				}
			}
		})
	}
}

func TestHeadTimeoutIsLoggedAtInfo(t *testing.T) {
	h, logs := loggedServer(t, DecodeRequest())
	h.InputString("GET / HTTP/1.1\r\nHo")
	h.Advance(DefaultHeadTimeout)
	if !strings.HasPrefix(h.OutputString(), "HTTP/1.1 408 ") {
		t.Fatalf("answer %q", h.OutputString())
	}
	for _, want := range []string{"level=INFO", "status=408", "request head not complete within 10s at byte 18", "remote=192.0.2.7:40123"} {
		if !strings.Contains(logs.String(), want) {
			t.Fatalf("log %q lacks %q", logs.String(), want)
		}
	}
}

func TestClientLeavingMidRequestIsNotLoggedAtInfo(t *testing.T) {
	h, logs := loggedServer(t, DecodeRequest())
	h.InputString("GET / HTTP/1.1\r\nHo").Input(&event.SessionEnd{})
	if logs.String() != "" {
		t.Fatalf("logged %q", logs.String())
	}
}

func TestTLSClientHelloOnPlainPortGets400InProcess(t *testing.T) {
	h, _ := loggedServer(t, DecodeRequest())
	h.InputBytes([]byte{0x16, 0x03, 0x01}) // no clock advance: the answer must not wait for 408
	if got, want := h.OutputString(), "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if !h.Ended() {
		t.Fatal("stream not ended")
	}
}
