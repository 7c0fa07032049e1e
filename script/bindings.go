package script

import (
	"fmt"

	"github.com/dop251/goja"
	"github.com/sluice-go/sluice/codec/dubbo"
	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
)

// binding is one filter method of the configuration builder: bind reads the
// JS arguments and returns the Go filter. It runs in the definition run and
// again in every worker's run, where the filter is dropped: what matters
// there is that it registers the same callbacks in the same order. The Go
// functions a binding hands to a filter must hold only the program and
// callback numbers, never a value of the runtime they were made in.
type binding struct {
	name string
	bind func(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error)
}

// bindingTable returns the table of filter methods, in Pipy's names.
// The bindings live by group beside their JS signatures:
// bind_on.go, bind_replace.go, bind_flow.go (link, demux, mux, fork, use,
// wait), bind_connect.go, bind_muxhttp.go, bind_codec.go, bind_tap.go,
// bind_exec.go and bind_dump.go. It is a function, not a variable, only because the bindings
// refer back (through the runtime) to the builder that uses the table.
func bindingTable() []binding {
	return []binding{
		{"connect", bindConnect},
		{"demux", bindDemux},
		{"demuxHTTP", bindDemuxHTTP},
		{"mux", bindMux},
		{"muxHTTP", bindMuxHTTP},
		{"fork", bindFork},
		{"link", bindLink},
		{"use", bindUse},
		{"wait", bindWait},
		{"tap", bindTap},
		{"exec", bindExec},
		{"decodeHttpRequest", bindDecodeHTTPRequest},
		{"decodeHttpResponse", func(*jsRuntime, []goja.Value) (pipeline.Filter, error) { return http1.DecodeResponse(), nil }},
		{"encodeHttpRequest", bindEncodeHTTPRequest},
		{"encodeHttpResponse", bindEncodeHTTPResponse},
		{"decodeDubbo", func(*jsRuntime, []goja.Value) (pipeline.Filter, error) { return dubbo.Decode(), nil }},
		{"encodeDubbo", bindEncodeDubbo},
		{"onSessionStart", bindOnSessionStart},
		{"onData", bindOnData},
		{"onMessageStart", bindOnMessageStart},
		{"onMessageEnd", bindOnMessageEnd},
		{"onSessionEnd", bindOnSessionEnd},
		{"onMessageBody", bindOnMessageBody},
		{"onMessage", bindOnMessage},
		{"replaceSessionStart", bindReplaceSessionStart},
		{"replaceData", bindReplaceData},
		{"replaceMessageStart", bindReplaceMessageStart},
		{"replaceMessageEnd", bindReplaceMessageEnd},
		{"replaceSessionEnd", bindReplaceSessionEnd},
		{"replaceMessageBody", bindReplaceMessageBody},
		{"replaceMessage", bindReplaceMessage},
		{"dump", bindDump},
		{"print", func(*jsRuntime, []goja.Value) (pipeline.Filter, error) { return filter.Print(), nil }},
		{"dummy", func(*jsRuntime, []goja.Value) (pipeline.Filter, error) { return filter.Dummy(), nil }},
	}
}

// callbackArg registers v, which must be a function, as the next callback.
func (rt *jsRuntime) callbackArg(v goja.Value, what string) (int, error) {
	id, ok := rt.register(v)
	if !ok {
		return 0, fmt.Errorf("%w: %s must be a function", ErrBadArgument, what)
	}
	return id, nil
}

// stringArg reads a required string argument.
func stringArg(v goja.Value, what string) (string, error) {
	if isNullish(v) {
		return "", fmt.Errorf("%w: no %s", ErrBadArgument, what)
	}
	if _, ok := v.Export().(string); !ok {
		return "", fmt.Errorf("%w: %s must be a string, not %s", ErrBadArgument, what, v.String())
	}
	return v.String(), nil
}

// fail panics with err for the calling filter's Catch.
func fail(err error) {
	if err != nil {
		panic(err)
	}
}

// --- observers --------------------------------------------------------------

// messageOptionsArg reads the options a filter that collects whole messages
// takes after its callback (a sluice extension): {maxBodySize}, a size
// ("64m", a number of bytes; a negative number for no bound).
func messageOptionsArg(v goja.Value) (filter.MessageOptions, error) {
	var opts filter.MessageOptions
	o, ok := v.(*goja.Object)
	if !ok {
		return opts, nil
	}
	n, err := bodySizeOption(o, "maxBodySize")
	opts.MaxBodySize = n
	return opts, err
}

// bodySizeOption reads o[key] as a body size: absent gives 0 (the
// default), a negative number -1 (no bound), else a size as
// parseSize reads it.
func bodySizeOption(o *goja.Object, key string) (int64, error) {
	x := o.Get(key)
	if isNullish(x) {
		return 0, nil
	}
	if f, ok := x.Export().(float64); ok && f < 0 {
		return -1, nil
	}
	if i, ok := x.Export().(int64); ok && i < 0 {
		return -1, nil
	}
	n, err := parseSize(x.Export())
	if err != nil {
		return 0, fmt.Errorf("%s: %w", key, err)
	}
	return int64(n), nil
}
