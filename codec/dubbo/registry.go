package dubbo

import "github.com/sluice-go/sluice/pipeline"

// Infos lists the filters of this package, as scripts name them, with
// their parameters.
func Infos() []pipeline.Info {
	enc := (&EncodeFilter{}).Info()
	enc.Params = []pipeline.Param{{Name: "head", Type: "object|function",
		Doc: "Defaults for fields the message head lacks (id, status, isRequest, isTwoWay, isEvent), or a function returning them"}}
	return []pipeline.Info{(&DecodeFilter{}).Info(), enc}
}
