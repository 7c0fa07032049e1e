package http1

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
)

func TestServerBodyTimeout(t *testing.T) {
	h := server(t, DecodeRequest(), nil)
	h.InputString("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\n")
	h.Advance(DefaultBodyTimeout - time.Second)
	h.InputString("ab") // progress: the timeout starts again
	h.Advance(DefaultBodyTimeout - time.Second)
	h.InputString("cd")
	h.Advance(DefaultBodyTimeout - time.Second)
	if h.Ended() {
		t.Fatal("a body making progress timed out")
	}
	h.Advance(time.Second)
	want := "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
	if got := h.OutputString(); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	se := h.SessionEnd()
	if se == nil || se.Err != event.Timeout || syntaxStatus(se) != 408 || !errors.Is(se.Cause, ErrBodyTimeout) {
		t.Fatalf("session end %v", se)
	}
}

func TestServerBodyTimeoutSparesCompleteRequests(t *testing.T) {
	h := server(t, DecodeRequest(), nil)
	h.InputString("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi")
	h.Advance(time.Hour)
	if h.Ended() {
		t.Fatal("the body timer outlived its body")
	}
}

func TestServerNoBodyTimeout(t *testing.T) {
	h := server(t, &DecodeRequestFilter{BodyTimeout: -1}, nil)
	h.InputString("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n")
	h.Advance(time.Hour)
	if h.Ended() {
		t.Fatal("timed out with BodyTimeout < 0")
	}
}

// holding returns a filter that keeps every event but SessionEnd until
// release is called, as a slow upstream would.
func holding() (f *funcFilter, release func()) {
	var held []event.Event
	var out pipeline.Target
	f = &funcFilter{name: "hold", new: func(_ *pipeline.Stream, next pipeline.Target) pipeline.Target {
		out = next
		return pipeline.TargetFunc(func(evt event.Event) {
			if _, ok := evt.(*event.SessionEnd); ok {
				next.Input(evt)
				return
			}
			held = append(held, evt)
		})
	}}
	return f, func() {
		evts := held
		held = nil
		for _, e := range evts {
			out.Input(e)
		}
	}
}

func TestServerTracksRequestsInFlight(t *testing.T) {
	hold, release := holding()
	h := pipelinetest.Of(t, DecodeRequest(), hold, responder(echo), EncodeResponse(nil))
	tr := h.Stream.Context().RequestTracker()
	if tr == nil || tr.Busy() {
		t.Fatal("no tracker, or busy before the first byte")
	}
	h.InputString("GE")
	if !tr.Busy() {
		t.Fatal("not busy with part of a head")
	}
	h.InputString("T / HTTP/1.1\r\nHost: x\r\n\r\n")
	if !tr.Busy() {
		t.Fatal("not busy with a request unanswered")
	}
	release()
	if tr.Busy() || h.OutputString() == "" {
		t.Fatalf("still busy once answered: %q", h.OutputString())
	}
}

func TestServerDrainClosesAfterTheRequestInFlight(t *testing.T) {
	hold, release := holding()
	h := pipelinetest.Of(t, DecodeRequest(), hold, responder(echo), EncodeResponse(nil))
	h.InputString("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n")
	h.Stream.Context().RequestTracker().Drain(false)
	if h.Ended() {
		t.Fatal("drained with requests in flight")
	}
	release()
	want := "HTTP/1.1 200 OK\r\nx-path: /1\r\ncontent-length: 4\r\n\r\nGET " +
		"HTTP/1.1 200 OK\r\nx-path: /2\r\nconnection: close\r\ncontent-length: 4\r\n\r\nGET "
	if got := h.OutputString(); got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	if se := h.SessionEnd(); se == nil || se.Err != event.NoError {
		t.Fatalf("not closed after the last answer: %v", se)
	}
}

func TestServerDrainWaitsForTheBody(t *testing.T) {
	h := server(t, DecodeRequest(), func(req *RequestHead, body string) []event.Event {
		return echo(req, body)
	})
	h.InputString("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nh")
	h.Stream.Context().RequestTracker().Drain(false)
	if h.Ended() {
		t.Fatal("drained in the middle of a body")
	}
	h.InputString("i")
	if got := h.OutputString(); !strings.Contains(got, "connection: close") || !strings.HasSuffix(got, "POST hi") {
		t.Fatalf("got %q", got)
	}
	if !h.Ended() {
		t.Fatal("not closed after the last answer")
	}
}

func TestServerDrainClosesAnIdleConnectionAtOnce(t *testing.T) {
	h := server(t, DecodeRequest(), nil)
	h.InputString("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	h.Take()
	h.Stream.Context().RequestTracker().Drain(true)
	after := h.Take()
	if se := h.SessionEnd(); se == nil || se.Err != event.NoError || pipelinetest.DataString(after) != "" {
		t.Fatalf("idle connection not closed cleanly: %s", pipelinetest.Dump(after))
	}
}

func TestServerDrainOfAFreshConnection(t *testing.T) {
	h := server(t, DecodeRequest(), nil)
	h.Stream.Context().RequestTracker().Drain(false) // a reload
	if h.Ended() {
		t.Fatal("a reload closed a connection before its first request")
	}
	h.InputString("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if got := h.OutputString(); !strings.Contains(got, "connection: close") || !h.Ended() {
		t.Fatalf("the first request after a reload did not close its connection: %q", got)
	}

	h = server(t, DecodeRequest(), nil)
	h.Stream.Context().RequestTracker().Drain(true) // a shutdown
	if se := h.SessionEnd(); se == nil || se.Err != event.NoError || h.OutputString() != "" {
		t.Fatalf("a shutdown kept a fresh connection: %s", pipelinetest.Dump(h.Output()))
	}
}

// The head timer does not count time during which sluice itself paused
// reading (a pipelining client that does not read its answers closes the
// valve): the partial head then completes without a 408.
func TestServerHeadTimeoutSparesPausedReading(t *testing.T) {
	h := server(t, DecodeRequest(), nil)
	h.InputString("GET /1 HT")
	h.Advance(time.Second)
	valve := h.Stream.Context().Valve()
	valve.Pause()
	h.Advance(3 * DefaultHeadTimeout)
	if h.Ended() {
		t.Fatal("timed out while sluice was not reading")
	}
	valve.Resume()
	h.Advance(DefaultHeadTimeout / 2)
	h.InputString("TP/1.1\r\nHost: x\r\n\r\n")
	if h.Ended() || !strings.HasPrefix(h.OutputString(), "HTTP/1.1 200 OK\r\n") {
		t.Fatalf("ended %v, output %q", h.Ended(), h.OutputString())
	}
}

// A head left incomplete while sluice reads (slowloris) still gets its 408.
func TestServerHeadTimeoutWhileReading(t *testing.T) {
	h := server(t, DecodeRequest(), nil)
	h.InputString("GET /1 HTTP/1.1\r\nHost: x\r\n")
	h.Advance(DefaultHeadTimeout)
	se := h.SessionEnd()
	if se == nil || syntaxStatus(se) != 408 || !errors.Is(se.Cause, ErrHeadTimeout) {
		t.Fatalf("session end %v", se)
	}
}
