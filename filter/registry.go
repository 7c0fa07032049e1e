package filter

import "github.com/sluice-go/sluice/pipeline"

// Infos lists the filters of this package, as scripts name them, each with
// its parameters: the table behind `sluice --list-filters` and
// `--help-filters` (the codec packages keep their own, http1.Infos and
// dubbo.Infos). A new filter adds its Info here, one line.
func Infos() []pipeline.Info {
	return []pipeline.Info{
		connectInfo,
		demuxInfo,
		dummyInfo,
		dumpInfo,
		execInfo,
		forkInfo,
		linkInfo,
		muxInfo,
		onDataInfo,
		onMessageInfo,
		onMessageBodyInfo,
		onMessageEndInfo,
		onMessageStartInfo,
		onSessionEndInfo,
		onSessionStartInfo,
		printInfo,
		replaceDataInfo,
		replaceMessageInfo,
		replaceMessageBodyInfo,
		replaceMessageEndInfo,
		replaceMessageStartInfo,
		replaceSessionEndInfo,
		replaceSessionStartInfo,
		tapInfo,
		useInfo,
		waitInfo,
	}
}

// callbackParam is the parameter of the on* filters, called with what.
func callbackParam(what string) pipeline.Param {
	return pipeline.Param{Name: "callback", Type: "function", Doc: "Called with " + what + "; what it returns is ignored"}
}

// replacementParam is the parameter of the replace* filters: what it
// replaces, and what a replacement function gets.
func replacementParam(what, gets string) pipeline.Param {
	return pipeline.Param{Name: "replacement", Type: "object|function",
		Doc: "What replaces " + what + ": an event, a Message, an array of those, nothing (drop it), or a function of " + gets + " returning one of those"}
}

// Parameters shared by several filters.
var (
	targetParam = pipeline.Param{Name: "target", Type: "string", Doc: "Name of the pipeline to start streams of"}
	// messageOptionsParam is the options of the filters that collect whole
	// messages (a sluice extension).
	messageOptionsParam = pipeline.Param{Name: "options", Type: "object",
		Doc: "maxBodySize: the most body bytes collected (\"64m\"; default 16 MiB, -1 for no bound); a larger body ends the stream, and an HTTP server answers 413"}
)
