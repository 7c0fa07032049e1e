package http1

import (
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
)

func TestTLSClientHelloOnPlainPortGets400(t *testing.T) {
	check := pipelinetest.LeakCheck(t)
	logs := &logBuffer{}
	g := pipeline.NewGroup(1, pipeline.WorkerOptions{Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	// A head timeout far beyond the client's deadline: a server that waited
	// for it would leave the client to time out.
	dec := &DecodeRequestFilter{HeadTimeout: time.Hour}
	srv := pipeline.NewServer(pipeline.New("http", dec, responder(echo), EncodeResponse(nil)), g)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	defer func() {
		srv.Close()
		if err := <-done; err != pipeline.ErrServerClosed {
			t.Errorf("Serve: %v", err)
		}
		g.Close()
		check()
	}()

	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.SetDeadline(time.Now().Add(time.Minute))
	conn := tls.Client(raw, &tls.Config{InsecureSkipVerify: true, ServerName: "x"})
	err = conn.Handshake()
	var ne net.Error
	if err == nil || (errors.As(err, &ne) && ne.Timeout()) {
		t.Fatalf("handshake: %v, want a prompt failure", err)
	}
	// The client read the plain answer as a TLS record.
	if !strings.Contains(err.Error(), "HTTP") && !strings.Contains(err.Error(), "record") {
		t.Fatalf("handshake error %q does not come from the server's answer", err)
	}
	// The refusal was logged before the answer was written.
	for _, want := range []string{"level=INFO", "status=400", "malformed request line at byte 0", "remote=" + raw.LocalAddr().String()} {
		if !strings.Contains(logs.String(), want) {
			t.Fatalf("log %q lacks %q", logs.String(), want)
		}
	}
}
