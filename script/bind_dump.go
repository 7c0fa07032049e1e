package script

import (
	"github.com/dop251/goja"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
)

// dump(tag): tag is a string, or a function called at each event, whose
// result is the tag.
func bindDump(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	v := arg(args, 0)
	if id, ok := rt.register(v); ok {
		p := rt.p
		return filter.DumpFunc(nil, func(s *pipeline.Stream) string {
			w := p.runtimeOf(s)
			t := w.call(s, id)
			if isNullish(t) {
				return ""
			}
			return t.String()
		}), nil
	}
	tag := ""
	if !isNullish(v) {
		tag = v.String()
	}
	return filter.Dump(tag), nil
}
