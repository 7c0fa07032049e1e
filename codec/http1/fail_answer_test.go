package http1

import (
	"errors"
	"strings"
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
)

// throwOnMessageStart is onMessageStart with a callback that throws: it
// recovers the panic as callback filters do (Stream.Catch), which fails the
// stream.
var throwOnMessageStart = &funcFilter{name: "onMessageStart", new: func(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	return pipeline.TargetFunc(func(evt event.Event) {
		if _, ok := evt.(*event.MessageStart); ok {
			ok := true
			func() {
				defer s.Catch("onMessageStart", &ok)
				panic(errors.New("boom"))
			}()
			if !ok {
				return
			}
		}
		next.Input(evt)
	})
}}

const answer500 = "HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n"

func TestFailedStreamBeforeResponseAnswers500(t *testing.T) {
	h := pipelinetest.Of(t, DecodeRequest(), throwOnMessageStart, responder(echo), EncodeResponse(nil))
	h.InputString("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	out := h.OutputString()
	body := "Internal Server Error: runtime error: onMessageStart: boom\n"
	if want := answer500 + "Content-Length: 59\r\n\r\n" + body; out != want {
		t.Fatalf("got %q\nwant %q", out, want)
	}
	if se := sessionEnd(t, h.Output()); se.Err != event.RuntimeError || !h.Ended() {
		t.Fatalf("session end %v, ended %v", se, h.Ended())
	}
}

func TestPanicOutsideCallbackBeforeResponseAnswers500(t *testing.T) {
	bug := &funcFilter{name: "bug", new: func(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
		return pipeline.TargetFunc(func(evt event.Event) {
			if _, ok := evt.(*event.MessageEnd); ok {
				panic("bug")
			}
			next.Input(evt)
		})
	}}
	h := pipelinetest.Of(t, DecodeRequest(), bug, responder(echo), EncodeResponse(nil))
	h.InputString("GET /1 HTTP/1.1\r\nHost: x\r\n\r\n")
	if out := h.OutputString(); !strings.HasPrefix(out, answer500) || !strings.HasSuffix(out, "runtime error: panic: bug\n") {
		t.Fatalf("got %q", out)
	}
}

func TestErrorSessionEndBeforeResponseAnswers500(t *testing.T) {
	// A filter that ends the stream with an error down the chain, as a
	// sub-pipeline's failure would.
	giveUp := &funcFilter{name: "giveUp", new: func(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
		return pipeline.TargetFunc(func(evt event.Event) {
			if _, ok := evt.(*event.MessageEnd); ok {
				next.Input(event.End(event.UnknownError, errors.New("upstream\r\nvanished")))
			}
		})
	}}
	h := pipelinetest.Of(t, DecodeRequest(), giveUp, EncodeResponse(nil))
	h.InputString("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx")
	if out := h.OutputString(); !strings.HasPrefix(out, answer500) || !strings.HasSuffix(out, "\r\n\r\nInternal Server Error: unknown error: upstream  vanished\n") {
		t.Fatalf("got %q", out)
	}
	if se := sessionEnd(t, h.Output()); se.Err != event.UnknownError {
		t.Fatalf("session end %v", se)
	}
}

func TestFailedStreamWithBufferedResponseAnswers500(t *testing.T) {
	failOnEnd := &funcFilter{name: "failOnEnd", new: func(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
		return pipeline.TargetFunc(func(evt event.Event) {
			if _, ok := evt.(*event.MessageEnd); ok {
				s.Fail(event.RuntimeError, errors.New("late"))
				return
			}
			next.Input(evt)
		})
	}}
	// The response's head and some body are in, buffered, when it fails.
	h := pipelinetest.Of(t, DecodeRequest(), responder(echo), failOnEnd, EncodeResponse(nil))
	h.InputString("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if out := h.OutputString(); !strings.HasPrefix(out, answer500) || strings.Contains(out, "200") {
		t.Fatalf("got %q", out)
	}
}

func TestFailedStreamAfterResponseStartedOnlyCloses(t *testing.T) {
	failOnEnd := &funcFilter{name: "failOnEnd", new: func(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
		return pipeline.TargetFunc(func(evt event.Event) {
			if _, ok := evt.(*event.MessageEnd); ok {
				s.Fail(event.RuntimeError, errors.New("late"))
				return
			}
			next.Input(evt)
		})
	}}
	// Streamed (BufferSize < 0): the head is out before the failure.
	h := pipelinetest.Of(t, DecodeRequest(), responder(echo), failOnEnd, &EncodeResponseFilter{BufferSize: -1})
	h.InputString("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	out := h.OutputString()
	if !strings.HasPrefix(out, "HTTP/1.1 200 OK\r\n") || strings.Contains(out, "500") {
		t.Fatalf("got %q", out)
	}
	if se := sessionEnd(t, h.Output()); se.Err != event.RuntimeError {
		t.Fatalf("session end %v", se)
	}
}

func TestFailedStreamWithNoRequestPendingOnlyCloses(t *testing.T) {
	var stream *pipeline.Stream
	grab := &funcFilter{name: "grab", new: func(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
		stream = s
		return next
	}}
	h := pipelinetest.Of(t, DecodeRequest(), grab, responder(echo), EncodeResponse(nil))
	h.InputString("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	answered := h.OutputString()
	stream.Fail(event.ReadError, errors.New("reset")) // an idle keep-alive connection fails
	if out := h.OutputString(); out != answered {
		t.Fatalf("got %q after the answer %q", strings.TrimPrefix(out, answered), answered)
	}
	if se := sessionEnd(t, h.Output()); se.Err != event.ReadError {
		t.Fatalf("session end %v", se)
	}
}

func TestDecoderErrorInDirectChainAnswersItsStatus(t *testing.T) {
	h := pipelinetest.Of(t, DecodeRequest(), throwOnMessageStart, EncodeResponse(nil))
	h.InputString("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")
	if got, want := h.OutputString(), "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestHeaderWithCRLFAnswers500WithoutSplitting(t *testing.T) {
	evil := &funcFilter{name: "evil", new: func(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
		return pipeline.TargetFunc(func(evt event.Event) {
			if _, ok := evt.(*event.MessageStart); ok {
				evt = &event.MessageStart{Head: &ResponseHead{Status: 200, Headers: Headers{{"x-evil", "a\r\nset-cookie: pwn=1"}}}}
			}
			next.Input(evt)
		})
	}}
	h := pipelinetest.Of(t, DecodeRequest(), evil, EncodeResponse(nil))
	h.InputString("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	out := h.OutputString()
	if !strings.HasPrefix(out, answer500) || strings.Contains(strings.ToLower(out), "\r\nset-cookie") || !strings.Contains(out, "x-evil") {
		t.Fatalf("got %q", out)
	}
	if se := h.SessionEnd(); se == nil || !errors.Is(se.Cause, ErrBadHeader) {
		t.Fatalf("session end %v", se)
	}
}
