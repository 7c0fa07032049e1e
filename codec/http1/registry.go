package http1

import "github.com/sluice-go/sluice/pipeline"

// Infos lists the filters of this package, as scripts name them, with
// their parameters.
func Infos() []pipeline.Info {
	infos := []pipeline.Info{
		(&DecodeRequestFilter{}).Info(),
		(&DecodeResponseFilter{}).Info(),
		(&EncodeRequestFilter{}).Info(),
		(&EncodeResponseFilter{}).Info(),
		muxHTTPInfo,
	}
	for i := range infos {
		infos[i].Params = params[infos[i].Name]
	}
	return infos
}

var params = map[string][]pipeline.Param{
	"muxHTTP": {
		{Name: "target", Type: "string|function", Doc: "The upstream, as \"host:port\", or a function of each request's MessageStart returning it"},
		{Name: "options", Type: "object", Doc: "maxConnections (per upstream and worker, busy and idle; default 64), maxIdle (default maxConnections), " +
			"poolIdleTimeout (an unused connection is closed after it; default 60s), maxInFlight (requests of one client connection " +
			"at the upstreams at once; default 8), connectTimeout (default 10s, then 504), answerTimeout (no answer for " +
			"that long: 504; default 60s), readTimeout, writeTimeout, idleTimeout, tls: as connect's; version (1, default, or 2: " +
			"HTTP/2 to the upstream, h2 by ALPN with tls, else h2c by prior knowledge, many requests at once on one connection " +
			"up to the upstream's max concurrent streams). A refused or unresolved upstream answers 503, a timed-out one 504, a broken one 502"},
	},
	"decodeHttpRequest": {{Name: "options", Type: "object",
		Doc: "maxBodySize: the largest request body accepted (\"64m\"); a larger one is answered 413 and the connection closes. Default: no limit"}},
	"encodeHttpRequest": {{Name: "head", Type: "object|function",
		Doc: "Defaults for fields the message head lacks (method, path, protocol, headers), or a function returning them"}},
	"encodeHttpResponse": {{Name: "head", Type: "object|function",
		Doc: "Defaults for fields the message head lacks (status, statusText, protocol, headers), or a function returning them"}},
}
