package script

import (
	"fmt"

	"github.com/dop251/goja"

	"github.com/sluice-go/sluice/codec/http2"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
)

// demuxHTTP(target, options): serves HTTP/1.x and HTTP/2 (h2c by prior
// knowledge, h2 after ALPN) on the listener's connection, each request to
// its own stream of the pipeline named target (http2.DemuxHTTP). options:
// maxConcurrentStreams, maxFrameSize, maxHeaderListSize (bytes or "64k"),
// maxContinuations, maxResets, maxControlFrames, controlFrameRate,
// maxQueuedControlFrames, headTimeout ("10s"),
// bodyTimeout ("30s": a stalled h2 request body is answered 408), and
// onFail (as demux's: the answer to a request whose stream failed, over
// either version).
func bindDemuxHTTP(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	name, err := stringArg(arg(args, 0), "target pipeline")
	if err != nil {
		return nil, err
	}
	rt.ref("", name)
	var opts http2.Options
	if o, ok := arg(args, 1).(*goja.Object); ok {
		for _, f := range []struct {
			name string
			set  func(int64)
		}{
			{"maxConcurrentStreams", func(n int64) { opts.MaxConcurrentStreams = uint32(n) }},
			{"maxFrameSize", func(n int64) { opts.MaxFrameSize = uint32(n) }},
			{"maxContinuations", func(n int64) { opts.MaxContinuations = int(n) }},
			{"maxResets", func(n int64) { opts.MaxResets = int(n) }},
			{"maxControlFrames", func(n int64) { opts.MaxControlFrames = int(n) }},
			{"controlFrameRate", func(n int64) { opts.ControlFrameRate = int(n) }},
			{"maxQueuedControlFrames", func(n int64) { opts.MaxQueuedControlFrames = int(n) }},
		} {
			if v := o.Get(f.name); !isNullish(v) {
				n := v.ToInteger()
				if n < 0 || n > 1<<31-1 {
					return nil, fmt.Errorf("%w: demuxHTTP: %s out of range", ErrBadArgument, f.name)
				}
				f.set(n)
			}
		}
		if err := readDurations(o, []durationField{{"headTimeout", &opts.HeadTimeout}, {"bodyTimeout", &opts.BodyTimeout}}); err != nil {
			return nil, err
		}
		if opts.OnFail, err = rt.onFailArg(o); err != nil {
			return nil, fmt.Errorf("%w: demuxHTTP: %w", ErrBadArgument, err)
		}
		if v := o.Get("maxHeaderListSize"); !isNullish(v) {
			n, err := parseSize(v.Export())
			if err != nil || n < 0 || n > 1<<31-1 {
				return nil, fmt.Errorf("%w: demuxHTTP: maxHeaderListSize: %v", ErrBadArgument, err)
			}
			opts.MaxHeaderListSize = uint32(n)
		}
	}
	return http2.DemuxHTTP(filter.To(name), opts), nil
}

// alpnArg reads listen's tls.alpn: the protocols offered by ALPN, most
// preferred first, as an array of strings (["h2", "http/1.1"] lets
// demuxHTTP serve h2 over TLS); nil when not given.
func alpnArg(v goja.Value) ([]string, error) {
	if isNullish(v) {
		return nil, nil
	}
	list, ok := v.Export().([]any)
	if !ok {
		return nil, fmt.Errorf("%w: alpn must be an array of strings", ErrBadArgument)
	}
	protos := make([]string, 0, len(list))
	for _, x := range list {
		s, ok := x.(string)
		if !ok || s == "" || len(s) > 255 {
			return nil, fmt.Errorf("%w: alpn: %v is not a protocol name", ErrBadArgument, x)
		}
		protos = append(protos, s)
	}
	return protos, nil
}
