package script

import (
	"fmt"

	"github.com/dop251/goja"

	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/codec/http2"
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// muxHTTP(target, options): HTTP requests over a pool of keep-alive upstream
// connections (http1.MuxHTTP). target is "host:port" or a function called
// with each request's MessageStart that returns one. options: those of
// connect (connectTimeout, answerTimeout, readTimeout, writeTimeout,
// idleTimeout of a connection in use, tls) plus maxConnections, maxIdle,
// maxInFlight, poolIdleTimeout (how long an unused connection is kept) and
// version (1, the default, or 2: HTTP/2 to the upstream, http2.MuxHTTP).
func bindMuxHTTP(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	target, id, isFn, err := rt.targetArg(arg(args, 0))
	if err != nil {
		return nil, err
	}
	copts, err := rt.connectOptions(arg(args, 1))
	if err != nil {
		return nil, err
	}
	opts := http1.MuxHTTPOptions{Outbound: pipeline.OutboundOptions{
		ConnectTimeout: copts.ConnectTimeout, AnswerTimeout: copts.AnswerTimeout, ReadTimeout: copts.ReadTimeout,
		WriteTimeout: copts.WriteTimeout, IdleTimeout: copts.IdleTimeout, TLS: copts.TLS, Conn: copts.Conn,
	}}
	if o, ok := arg(args, 1).(*goja.Object); ok {
		if x := o.Get("maxConnections"); !isNullish(x) {
			opts.MaxConns = int(x.ToInteger())
		}
		if x := o.Get("maxIdle"); !isNullish(x) {
			opts.MaxIdle = int(x.ToInteger())
		}
		if x := o.Get("maxInFlight"); !isNullish(x) {
			opts.MaxInFlight = int(x.ToInteger())
		}
		if err := readDurations(o, []durationField{{"poolIdleTimeout", &opts.IdleTimeout}}); err != nil {
			return nil, err
		}
		if x := o.Get("version"); !isNullish(x) {
			switch x.String() {
			case "1", "1.1":
			case "2":
				opts = http2.ClientOptions(opts)
			default:
				return nil, fmt.Errorf("%w: muxHTTP: version %s: 1 or 2", ErrBadArgument, x)
			}
		}
	}
	if !isFn {
		return http1.MuxHTTP(target, opts), nil
	}
	p := rt.p
	return http1.MuxHTTPFunc(func(s *pipeline.Stream, head any) string {
		w := p.runtimeOf(s)
		v := w.call(s, id, w.eventToJS(&event.MessageStart{Head: head}))
		if isNullish(v) {
			fail(fmt.Errorf("%w: muxHTTP: the target function returned %s", ErrBadArgument, v))
		}
		return v.String()
	}, opts), nil
}
