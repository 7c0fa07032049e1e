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
	}
	for i := range infos {
		infos[i].Params = params[infos[i].Name]
	}
	return infos
}

var params = map[string][]pipeline.Param{
	"decodeHttpRequest": {{Name: "options", Type: "object",
		Doc: "maxBodySize: the largest request body accepted (\"64m\"); a larger one is answered 413 and the connection closes. Default: no limit"}},
	"encodeHttpRequest": {{Name: "head", Type: "object|function",
		Doc: "Defaults for fields the message head lacks (method, path, protocol, headers), or a function returning them"}},
	"encodeHttpResponse": {{Name: "head", Type: "object|function",
		Doc: "Defaults for fields the message head lacks (status, statusText, protocol, headers), or a function returning them"}},
}
