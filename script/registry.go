package script

import (
	"github.com/sluice-go/sluice/codec/dubbo"
	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/codec/http2"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
)

// Filters returns the Info of every filter method a script can call (name,
// argument synopsis, summary), in the order of the binding table, for
// `sluice --list-filters` and `--help-filters`;
// pipeline.NewRegistry(Filters()...) indexes them by name. The infos are the
// filter packages' own (filter.Infos, http1.Infos, http2.Infos, dubbo.Infos). Filters is
// safe for concurrent use.
func Filters() []pipeline.Info {
	byName := map[string]pipeline.Info{}
	for _, list := range [][]pipeline.Info{filter.Infos(), http1.Infos(), http2.Infos(), dubbo.Infos()} {
		for _, i := range list {
			byName[i.Name] = i
		}
	}
	table := bindingTable()
	infos := make([]pipeline.Info, 0, len(table))
	for _, b := range table {
		i, ok := byName[b.name]
		if !ok {
			i = pipeline.Info{Name: b.name, Synopsis: "()", Summary: "(no description)"}
		}
		infos = append(infos, i)
	}
	return infos
}
