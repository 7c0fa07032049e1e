package filter

import "github.com/sluice-go/sluice/pipeline"

// Infos lists the filters of this package, as scripts name them, each with
// its parameters. It is the explicit table behind `sluice --list-filters`
// and `--help-filters`; the codec packages keep their own (http1.Infos,
// dubbo.Infos).
func Infos() []pipeline.Info {
	infos := []pipeline.Info{
		connectInfo, demuxInfo, dummyInfo, dumpInfo, execInfo, forkInfo, linkInfo, muxInfo,
		onDataInfo, onMessageInfo, onMessageBodyInfo, onMessageEndInfo, onMessageStartInfo,
		onSessionEndInfo, onSessionStartInfo, printInfo,
		replaceDataInfo, replaceMessageInfo, replaceMessageBodyInfo, replaceMessageEndInfo,
		replaceMessageStartInfo, replaceSessionEndInfo, replaceSessionStartInfo,
		tapInfo, useInfo, waitInfo,
	}
	for i := range infos {
		infos[i].Params = params[infos[i].Name]
	}
	return infos
}

// Parameters shared by several filters.
var (
	callbackParam = func(what string) pipeline.Param {
		return pipeline.Param{Name: "callback", Type: "function", Doc: "Called with " + what + "; what it returns is ignored"}
	}
	replacementParam = func(what, gets string) pipeline.Param {
		return pipeline.Param{Name: "replacement", Type: "object|function",
			Doc: "What replaces " + what + ": an event, a Message, an array of those, nothing (drop it), or a function of " + gets + " returning one of those"}
	}
	targetParam = pipeline.Param{Name: "target", Type: "string", Doc: "Name of the pipeline to start streams of"}
	// messageOptionsParam is the options of the filters that collect whole
	// messages (a sluice extension).
	messageOptionsParam = pipeline.Param{Name: "options", Type: "object",
		Doc: "maxBodySize: the most body bytes collected (\"64m\"; default 16 MiB, -1 for no bound); a larger body ends the stream, and an HTTP server answers 413"}
)

// params are the parameters of each filter, by name.
var params = map[string][]pipeline.Param{
	"connect": {
		{Name: "target", Type: "string|function", Doc: "Where to connect, as \"host:port\", or a function returning it, called on the first event"},
		{Name: "options", Type: "object", Doc: "bufferLimit (bytes held until connected, e.g. \"64k\"), retryCount (-1: forever), retryDelay, " +
			"connectTimeout (default 10s), answerTimeout (bytes sent and nothing back for that long: 504; default 60s in a demux request stream, none elsewhere), " +
			"readTimeout, writeTimeout, idleTimeout (durations such as \"5s\"; 0 turns one off), " +
			"tls: {cert, key, serverName, trusted, insecure}. TLS verifies the server's certificate against the system roots " +
			"(or trusted) and its name by default; insecure: true skips the check, which is what Pipy does"},
	},
	"demux": {
		targetParam,
		{Name: "options", Type: "object", Doc: "onFail: a replacement for the answer to a request whose stream failed (a function gets the SessionEnd; " +
			"default: a 500 naming the cause); bufferLimit: body bytes an answer waiting for its turn holds before its upstream is paused " +
			"(default \"1m\")"},
	},
	"mux": {
		targetParam,
		{Name: "selector", Type: "string|function", Doc: "Key of the shared stream to use (a function is called for each stream); default: one per pipeline per worker"},
		{Name: "options", Type: "object", Doc: "idleTimeout: how long a shared stream nobody uses stays open; maxInFlight: requests sent before their answers; " +
			"maxBodySize: the most body bytes of a request gathered (default 16 MiB, -1 for no bound)"},
	},
	"fork": {
		targetParam,
		{Name: "sessionData", Type: "object|array|function", Doc: "`this` in the forked stream; an array starts one fork per element; a function returns one of those"},
	},
	"link": {
		{Name: "target", Type: "string", Doc: "Name of a pipeline to send events to"},
		{Name: "when", Type: "function", Doc: "Returns true when the target before it is to be chosen; the last target may go without, as the fallback"},
	},
	"use": {
		{Name: "module", Type: "string", Doc: "File name of the module, relative to this script"},
		{Name: "pipeline", Type: "string", Doc: "Name of the pipeline in that module"},
		{Name: "argv", Type: "any", Doc: "Values the used pipeline's callbacks see as __argv"},
	},
	"wait": {
		{Name: "condition", Type: "function", Doc: "Returns true when events may go on; checked on every event and when the context is notified"},
	},
	"tap": {
		{Name: "quota", Type: "number|string", Doc: "Messages per second as a number, bytes per second as a string (\"100k\")"},
		{Name: "account", Type: "string", Doc: "Streams with the same account share one quota (per worker)"},
	},
	"exec": {
		{Name: "command", Type: "string|array|function", Doc: "Command line, argv array, or a function returning one of those"},
	},
	"onSessionStart": {callbackParam("the stream's initial event")},
	"onData":         {callbackParam("each Data event")},
	"onMessageStart": {callbackParam("each MessageStart event")},
	"onMessageEnd":   {callbackParam("each MessageEnd event")},
	"onSessionEnd":   {callbackParam("the SessionEnd event")},
	"onMessageBody":  {callbackParam("each message's complete body, as Data"), messageOptionsParam},
	"onMessage":      {callbackParam("each complete Message"), messageOptionsParam},

	"replaceSessionStart": {replacementParam("the initial event", "it")},
	"replaceData":         {replacementParam("each Data event", "it")},
	"replaceMessageStart": {replacementParam("each MessageStart event", "it")},
	"replaceMessageEnd":   {replacementParam("each MessageEnd event", "it")},
	"replaceSessionEnd":   {replacementParam("the SessionEnd event", "it")},
	"replaceMessageBody": {
		{Name: "replacement", Type: "string|Data|function", Doc: "The new body, or a function of the old body (Data) returning it"},
		messageOptionsParam,
	},
	"replaceMessage": {replacementParam("each whole message", "the Message"), messageOptionsParam},

	"dump": {{Name: "tag", Type: "string", Doc: "Printed before each event"}},
}
