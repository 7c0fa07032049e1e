package script

import (
	"crypto/tls"
	"fmt"
	"time"

	"github.com/dop251/goja"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
)

// targetArg reads an upstream target argument: "host:port", or a function
// (registered as callback id, isFn true) that returns one.
func (rt *jsRuntime) targetArg(t goja.Value) (target string, id int, isFn bool, err error) {
	if id, isFn = rt.register(t); isFn {
		return "", id, true, nil
	}
	target, err = stringArg(t, "target")
	return target, id, false, err
}

// connect(target, options): target is "host:port" or a function returning
// it; options {bufferLimit, retryCount, retryDelay, connectTimeout,
// readTimeout, writeTimeout, idleTimeout, dialAtStart (a sluice extension),
// tls: {cert, key, serverName, insecure, trusted}}; trusted (or ca) replaces
// the system roots.
func bindConnect(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	target, id, isFn, err := rt.targetArg(arg(args, 0))
	if err != nil {
		return nil, err
	}
	opts, err := rt.connectOptions(arg(args, 1))
	if err != nil {
		return nil, err
	}
	if !isFn {
		return filter.Connect(target, opts), nil
	}
	p := rt.p
	return filter.ConnectFunc(func(s *pipeline.Stream) string {
		w := p.runtimeOf(s)
		v := w.call(s, id)
		if isNullish(v) {
			fail(fmt.Errorf("%w: connect: the target function returned %s", ErrBadArgument, v))
		}
		return v.String()
	}, opts), nil
}

func (rt *jsRuntime) connectOptions(v goja.Value) (filter.ConnectOptions, error) {
	var opts filter.ConnectOptions
	o, ok := v.(*goja.Object)
	if !ok {
		return opts, nil
	}
	var err error
	if x := o.Get("bufferLimit"); !isNullish(x) {
		if opts.BufferLimit, err = parseSize(x.Export()); err != nil {
			return opts, fmt.Errorf("bufferLimit: %w", err)
		}
	}
	if x := o.Get("retryCount"); !isNullish(x) {
		opts.RetryCount = int(x.ToInteger())
	}
	if x := o.Get("dialAtStart"); !isNullish(x) {
		opts.DialAtStart = x.ToBoolean()
	}
	if err := readDurations(o, []durationField{
		{"retryDelay", &opts.RetryDelay},
		{"connectTimeout", &opts.ConnectTimeout},
		{"answerTimeout", &opts.AnswerTimeout},
		{"readTimeout", &opts.ReadTimeout},
		{"writeTimeout", &opts.WriteTimeout},
		{"idleTimeout", &opts.IdleTimeout},
	}); err != nil {
		return opts, err
	}
	// The timeouts with defaults: 0 given in a script turns one off, as
	// listen's do (in Go 0 means the default, negative none).
	for _, f := range []struct {
		name string
		dst  *time.Duration
	}{{"connectTimeout", &opts.ConnectTimeout}, {"answerTimeout", &opts.AnswerTimeout}} {
		if x := o.Get(f.name); !isNullish(x) && *f.dst == 0 {
			*f.dst = -1
		}
	}
	if t, ok := o.Get("tls").(*goja.Object); ok {
		cfg := &tls.Config{}
		if !isNullish(t.Get("cert")) || !isNullish(t.Get("key")) {
			if cfg, err = rt.tlsConfig(t); err != nil {
				return opts, fmt.Errorf("tls: %w", err)
			}
		}
		if x := t.Get("serverName"); !isNullish(x) {
			cfg.ServerName = x.String()
		} else if x := t.Get("sni"); !isNullish(x) {
			cfg.ServerName = x.String()
		}
		if x := t.Get("insecure"); !isNullish(x) {
			cfg.InsecureSkipVerify = x.ToBoolean()
		}
		if cfg.RootCAs, err = rt.trustedPool(t); err != nil {
			return opts, fmt.Errorf("tls: %w", err)
		}
		opts.TLS = cfg
	}
	return opts, nil
}
