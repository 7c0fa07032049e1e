package http2

import "github.com/sluice-go/sluice/pipeline"

// Infos lists the filters of this package, as scripts name them, with
// their parameters.
func Infos() []pipeline.Info {
	info := demuxHTTPInfo
	info.Params = []pipeline.Param{
		{Name: "target", Type: "string", Doc: "The pipeline each request goes to, in a stream of its own; its output message is the answer"},
		{Name: "options", Type: "object", Doc: "HTTP/2 limits: maxConcurrentStreams (default 100), maxFrameSize (16384), " +
			"maxHeaderListSize (64k; over it a request is answered 431), maxContinuations (64), maxResets (200 streams " +
			"reset before their answer, refilled by answered ones), maxControlFrames (1000 PING/SETTINGS at once, given back at controlFrameRate, 10 a second, and by HEADERS/DATA), maxQueuedControlFrames (1000 PING/SETTINGS ACKs written to a client that does not read), headTimeout (a header block split over CONTINUATIONs must complete within it; default 10s)"},
	}
	return []pipeline.Info{info}
}
