package filter

import "github.com/sluice-go/sluice/pipeline"

// Infos lists the filters of this package, as scripts name them. It is the
// explicit table behind `sluice --list-filters`; the codec packages keep their
// own (http1.Infos, dubbo.Infos).
func Infos() []pipeline.Info {
	return []pipeline.Info{
		connectInfo, demuxInfo, dummyInfo, dumpInfo, execInfo, forkInfo, linkInfo, muxInfo,
		onDataInfo, onMessageInfo, onMessageBodyInfo, onMessageEndInfo, onMessageStartInfo,
		onSessionEndInfo, onSessionStartInfo, printInfo,
		replaceDataInfo, replaceMessageInfo, replaceMessageBodyInfo, replaceMessageEndInfo,
		replaceMessageStartInfo, replaceSessionEndInfo, replaceSessionStartInfo,
		tapInfo, useInfo, waitInfo,
	}
}
