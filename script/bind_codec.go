package script

import (
	"github.com/dop251/goja"
	"github.com/sluice-go/sluice/codec/dubbo"
	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/pipeline"
)

// decodeHttpRequest(options): options {maxBodySize} (a sluice extension;
// see http1.Options.MaxBodySize; absent or 0 for no limit).
func bindDecodeHTTPRequest(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	f := http1.DecodeRequest()
	if o, ok := arg(args, 0).(*goja.Object); ok {
		n, err := bodySizeOption(o, "maxBodySize")
		if err != nil {
			return nil, err
		}
		f.Options.MaxBodySize = n
	}
	return f, nil
}

// --- pipelines ----------------------------------------------------------------

// headArg reads an encoder's head argument, which replaces each message's
// head as in Pipy: nothing, an object (exported at load; the filter copies
// it for each message) or a function returning one, called at each message.
func (rt *jsRuntime) headArg(v goja.Value) (static any, fn func(*pipeline.Stream) any, err error) {
	if isNullish(v) {
		return nil, nil, nil
	}
	if id, ok := rt.register(v); ok {
		p := rt.p
		return nil, func(s *pipeline.Stream) any {
			w := p.runtimeOf(s)
			h, err := w.headToGo(w.call(s, id))
			fail(err)
			return h
		}, nil
	}
	h, err := rt.headToGo(v)
	return h, nil, err
}

func bindEncodeDubbo(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	static, fn, err := rt.headArg(arg(args, 0))
	if err != nil {
		return nil, err
	}
	if fn != nil {
		return dubbo.Encode(fn), nil
	}
	return dubbo.Encode(static), nil
}

func bindEncodeHTTPRequest(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	static, fn, err := rt.headArg(arg(args, 0))
	if err != nil {
		return nil, err
	}
	if fn != nil {
		return http1.EncodeRequest(fn), nil
	}
	return http1.EncodeRequest(static), nil
}

func bindEncodeHTTPResponse(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	static, fn, err := rt.headArg(arg(args, 0))
	if err != nil {
		return nil, err
	}
	if fn != nil {
		return http1.EncodeResponse(fn), nil
	}
	return http1.EncodeResponse(static), nil
}
