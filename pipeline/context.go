package pipeline

import (
	"net"
	"sync/atomic"
)

var contextIDs atomic.Uint64

// Context is the state of one connection (Pipy's context): an id, the inbound
// addresses, values that filters and scripts keep, and watchers that
// Notify re-checks. Streams started by link, fork and use share their
// parent's Context; demux gives each message a context derived from it
// (Derive), and mux starts its shared stream in a copy of the opener's
// (Copy).
//
// A Context belongs to one worker and is used only on it; it is not safe for
// concurrent use.
type Context struct {
	id     uint64
	worker *Worker
	parent *Context
	root   *Context

	// LocalAddr and RemoteAddr are the inbound connection's addresses, or
	// nil for a context that did not come from a connection.
	LocalAddr, RemoteAddr net.Addr

	values   map[any]any
	watchers []*watcher     // on the root only
	valve    *Valve         // on the root, or set by SetValve
	retValve *Valve         // on the root, or set by SetReturnValve
	tracker  RequestTracker // on the root only
	connOpts ConnOptions    // on the root only
	upstream string         // on the root only: see Upstream
	alpn     string         // on the root only: see ALPN
	tls      bool           // on the root only: see TLS
	tunnel   []func()       // OnTunnel's callbacks, until Tunnel runs them
	tunneled bool           // Tunnel was called

	notifying, again bool
	scratch          []*watcher
}

type watcher struct {
	fn     func()
	active bool
}

// NewContext returns a root context bound to worker w.
func NewContext(w *Worker) *Context {
	c := &Context{id: contextIDs.Add(1), worker: w}
	c.root = c
	return c
}

// Derive returns a new context whose parent is c: it has its own id and its
// own values, sees c's values where it has none, and shares c's root (so
// Notify and flow control reach it). Each value visible from c that is an
// Inheritor is copied into the new context now, with c's current state
// (Pipy's rule for demux: a message's context starts from the connection's
// current variable values, not the declared ones).
func (c *Context) Derive() *Context {
	d := &Context{
		id: contextIDs.Add(1), worker: c.worker, parent: c, root: c.root,
		LocalAddr: c.LocalAddr, RemoteAddr: c.RemoteAddr,
	}
	c.inheritInto(d)
	return d
}

// Copy returns a new root context (its own id, values, watchers and valves)
// bound to c's worker, with c's addresses and, as Derive gives, a copy of
// each Inheritor value visible from c, with c's current state. It is for a
// stream that serves many connections but should start from the state of
// the one that opened it (mux's shared stream: Pipy runs it in the opener's
// context), without tying its flow control to that connection.
func (c *Context) Copy() *Context {
	d := NewContext(c.worker)
	d.LocalAddr, d.RemoteAddr = c.LocalAddr, c.RemoteAddr
	c.inheritInto(d)
	return d
}

// inheritInto gives d a copy of every Inheritor value visible from c, the
// nearest of each key.
func (c *Context) inheritInto(d *Context) {
	for x := c; x != nil; x = x.parent {
		for k, v := range x.values {
			in, ok := v.(Inheritor)
			if !ok {
				continue
			}
			if _, done := d.values[k]; !done {
				d.SetValue(k, in.Inherit(d))
			}
		}
	}
}

// Inheritor is a context value of which a derived context gets its own copy
// when it is made (see Derive), rather than seeing its parent's through
// Value. Inherit returns the copy for child; it runs on the worker.
type Inheritor interface {
	Inherit(child *Context) any
}

// ID returns the context's process-unique id.
func (c *Context) ID() uint64 { return c.id }

// Worker returns the worker the context is bound to.
func (c *Context) Worker() *Worker { return c.worker }

// Parent returns the context c was derived from, or nil for a root.
func (c *Context) Parent() *Context { return c.parent }

// Root returns the root of c's family (c itself for a root).
func (c *Context) Root() *Context { return c.root }

// Value returns the value stored under key in c or, failing that, in its
// ancestors; nil when there is none.
func (c *Context) Value(key any) any {
	for x := c; x != nil; x = x.parent {
		if v, ok := x.values[key]; ok {
			return v
		}
	}
	return nil
}

// SetValue stores v under key in c itself. Keys should be values of an
// unexported type of the package that uses them, as with context.Context.
func (c *Context) SetValue(key, v any) {
	if c.values == nil {
		c.values = make(map[any]any, 4)
	}
	c.values[key] = v
}

// Watch registers fn to run on every Notify of c's family, until the
// returned cancel function is called. fn runs on the worker.
func (c *Context) Watch(fn func()) (cancel func()) {
	r := c.root
	w := &watcher{fn: fn, active: true}
	r.watchers = append(r.watchers, w)
	return func() {
		if !w.active {
			return
		}
		w.active = false
		for i, x := range r.watchers {
			if x == w {
				r.watchers = append(r.watchers[:i], r.watchers[i+1:]...)
				return
			}
		}
	}
}

// Notify re-runs every watcher of c's family (the conditions of wait
// filters). The worker calls it after each event it delivers from outside;
// call it after changing state that a watcher may depend on. A Notify made
// while watchers run is folded into one more round.
func (c *Context) Notify() {
	r := c.root
	if len(r.watchers) == 0 {
		return
	}
	if r.notifying {
		r.again = true
		return
	}
	r.notifying = true
	defer func() { r.notifying = false }()
	for range maxNotifyRounds {
		r.again = false
		r.scratch = append(r.scratch[:0], r.watchers...)
		for _, w := range r.scratch {
			if w.active {
				w.fn()
			}
		}
		clear(r.scratch)
		if !r.again {
			return
		}
	}
}

// maxNotifyRounds bounds how often watchers that keep notifying are re-run.
const maxNotifyRounds = 16

// Valve returns the flow-control valve of the forward direction, shared by
// c's family, making it on first use: the readers of inbound connections wait
// on it before reading more, and whatever queues bytes toward an upstream (an
// outbound connection's writer, a process's input) closes it while its queue
// is too long.
func (c *Context) Valve() *Valve {
	for x := c; x != nil && x != c.root; x = x.parent {
		if x.valve != nil {
			return x.valve
		}
	}
	r := c.root
	if r.valve == nil {
		r.valve = NewValve()
	}
	return r.valve
}

// ReturnValve is Valve for the return direction: the readers of outbound
// connections (and of a process's output) wait on it, and the writers of
// inbound connections close it while their queue is too long. The two
// directions have a valve each so that a peer that stops reading while it
// cannot write (an echo server, a pipelining server, cat) cannot stall both
// directions at once and deadlock the pair.
func (c *Context) ReturnValve() *Valve {
	for x := c; x != nil && x != c.root; x = x.parent {
		if x.retValve != nil {
			return x.retValve
		}
	}
	r := c.root
	if r.retValve == nil {
		r.retValve = NewValve()
	}
	return r.retValve
}

// SetReturnValve gives c, a derived context, a return valve of its own (a
// Child of the family's, normally): ReturnValve returns it for c and the
// contexts derived from c, so the outbound connections of their streams
// read only while it is open. Call it before those streams start.
func (c *Context) SetReturnValve(v *Valve) {
	if c != c.root {
		c.retValve = v
	}
}

// SetValve gives c, a derived context, a forward valve of its own: Valve
// returns it for c and the contexts derived from c, so what queues bytes
// toward an upstream for their streams (an outbound connection's writer,
// muxHTTP) closes it instead of the family's, and the inbound connection
// goes on being read. It is for a protocol with flow control of its own
// per stream (HTTP/2: a request stream's credit is held back while its
// valve is closed, and its siblings are read on). Whoever sets it must
// watch it (IsOpen, WhenOpen): nothing waits on it otherwise. Call it
// before those streams start.
func (c *Context) SetValve(v *Valve) {
	if c != c.root {
		c.valve = v
	}
}

// RequestTracker is implemented by a protocol layer that knows where the
// requests of an inbound connection begin and end (decodeHttpRequest). A
// Server's socket asks it whether the connection is idle before applying
// ConnOptions.IdleTimeout, and the Server asks it to drain the connection on
// Shutdown and after a reload. A connection without one is a plain byte
// stream: it is idle when no byte moves either way, and it is never drained
// (it ends by itself, or is cut when a Shutdown's deadline passes). Its
// methods are called on the context's worker.
type RequestTracker interface {
	// Busy reports whether a request is in flight: partly received, being
	// handled, or its answer being written.
	Busy() bool
	// Drain asks the connection to close at its next request boundary: now
	// when no request is in flight, otherwise once the answers to the
	// requests already received are written (an HTTP/1 response then says
	// "Connection: close"). A connection that has not received a byte of a
	// request yet closes now when stopping is set (Shutdown); otherwise (a
	// reload) it answers its first request and closes after it, since a
	// client does not retry a request lost on a fresh connection as it does
	// on a reused one. A connection switched to a tunnel ignores it (the
	// HTTP/1 encoder removes its tracker then: a tunnel is a byte stream).
	Drain(stopping bool)
}

// ConnOptions returns the options of c's inbound connection as its Server
// was given them (zero values not replaced by defaults), or the zero value
// for a context that did not come from a Server.
func (c *Context) ConnOptions() ConnOptions { return c.root.connOpts }

// SetRequestTracker makes t the request tracker of c's connection (stored on
// c's root). A later call replaces it; nil removes it.
func (c *Context) SetRequestTracker(t RequestTracker) { c.root.tracker = t }

// RequestTracker returns the request tracker of c's connection, or nil.
func (c *Context) RequestTracker() RequestTracker { return c.root.tracker }

// Tunnel says that the byte stream of c (its own, not its parent's or
// root's) has become a tunnel that owes no answers: a protocol decoder saw
// an HTTP 101 or a 2xx answer to CONNECT. It runs, once, the callbacks given
// to OnTunnel; later calls do nothing. It must be called on c's worker.
func (c *Context) Tunnel() {
	if c.tunneled {
		return
	}
	c.tunneled = true
	fns := c.tunnel
	c.tunnel = nil
	for _, fn := range fns {
		fn()
	}
}

// OnTunnel registers fn to run when Tunnel is called on c (at once if it
// was): how a filter that owes answers on c's stream (connect's answer
// timeout) learns, without knowing the protocol, that it owes none any more.
// It must be called on c's worker.
func (c *Context) OnTunnel(fn func()) {
	if c.tunneled {
		fn()
		return
	}
	c.tunnel = append(c.tunnel, fn)
}

// Upstream returns the target ("host:port") this connection's requests
// last went to (connect's, or a pool's), for access logs; "" when none.
func (c *Context) Upstream() string { return c.root.upstream }

// ALPN returns the application protocol c's inbound TLS connection
// negotiated by ALPN ("h2", "http/1.1"), or "" (no TLS, no ALPN, or the
// handshake is not complete yet: it is set before the connection's first
// input).
func (c *Context) ALPN() string { return c.root.alpn }

// TLS reports whether c's inbound connection is TLS (its Server
// terminates TLS): what decodeHttpRequest takes an HTTP/1 request's scheme
// from ("https" then, else "http").
func (c *Context) TLS() bool { return c.root.tls }

// SetUpstream records target as the connection's upstream (see Upstream):
// Outbound does it as it dials, a pool as it gives a request a connection.
func (c *Context) SetUpstream(target string) { c.root.upstream = target }
