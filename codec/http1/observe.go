package http1

import (
	"sync/atomic"
	"time"

	"github.com/sluice-go/sluice/pipeline"
)

// Exchange is one request a server-side pipeline (decodeHttpRequest …
// encodeHttpResponse) answered, as an Observer sees it.
type Exchange struct {
	// Stream is the response encoder's stream; its Context holds the
	// client's address.
	Stream *pipeline.Stream
	// Method and Path are the request's (the path as decoded, query
	// included).
	Method, Path string
	// Status is the final response's status (a synthetic 5xx when the
	// pipeline failed to answer).
	Status int
	// Start is when the request's head was decoded, and Duration the time
	// from then to the end of the response, both as the worker's clock read
	// once per batch of tasks (pipeline.Worker.BatchNow): a request answered
	// in the batch that read it takes 0.
	Start    time.Time
	Duration time.Duration
	// Bytes is the size of the response body passed on.
	Bytes int64
}

// Observer is told, on the worker, about the requests server-side HTTP/1
// pipelines answer and refuse: metrics and access logs. Its methods must be
// quick and must not keep x.
type Observer interface {
	// Answered is called when the last byte of a final response has been
	// passed on.
	Answered(x *Exchange)
	// Refused is called when a request decoder refuses a request with
	// status (400, 408, 414, 431, 501, 505).
	Refused(status int)
}

// observer is the process' Observer, if any.
var observer atomic.Pointer[Observer]

// SetObserver installs o as the process' Observer; nil removes it. While
// none is installed, requests cost nothing more than a nil check.
func SetObserver(o Observer) {
	if o == nil {
		observer.Store(nil)
		return
	}
	observer.Store(&o)
}

// observed returns the installed Observer, or nil.
func observed() Observer {
	if p := observer.Load(); p != nil {
		return *p
	}
	return nil
}

// observe tells the Observer, if any, that the request info was answered
// with status after bytes of body. info is passed by pointer and the
// Exchange is not cleared after the call (it holds the encoder's own stream
// and the strings of its last request until the next): both are copies a
// request would pay for on every answer.
func (e *encodeResponse) observe(info *reqInfo, status int, bytes int64) {
	o := observed()
	if o == nil || info.start.IsZero() {
		return
	}
	if e.x == nil {
		e.x = new(Exchange)
	}
	var d time.Duration
	if now := e.s.Worker().BatchNow(); now != info.start { // the same reading: answered in the batch that read it
		d = now.Sub(info.start)
	}
	*e.x = Exchange{Stream: e.s, Method: info.method, Path: info.path, Status: status, Start: info.start,
		Duration: d, Bytes: bytes}
	o.Answered(e.x)
}

// observeOwed tells the Observer that the request owed an answer (see
// owesAnswer) gets a synthetic one with status.
func (e *encodeResponse) observeOwed(status int) {
	if observer.Load() == nil {
		return
	}
	if e.head != nil {
		e.observe(&e.info, status, 0)
	} else if conn := e.serverConn(); conn != nil && len(conn.pending) > 0 {
		e.observe(&conn.pending[0], status, 0)
	}
}
