package http1

import "github.com/sluice-go/sluice/pipeline"

// Infos lists the filters of this package, as scripts name them.
func Infos() []pipeline.Info {
	return []pipeline.Info{
		(&DecodeRequestFilter{}).Info(),
		(&DecodeResponseFilter{}).Info(),
		(&EncodeRequestFilter{}).Info(),
		(&EncodeResponseFilter{}).Info(),
		muxHTTPInfo,
	}
}
