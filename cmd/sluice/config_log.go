package main

import (
	"log/slog"
	"strings"

	"github.com/sluice-go/sluice/pipeline"
)

// logConfig logs, at info level, the pipeline graph of m and of every module
// its pipelines reach, each under a "Module <name>" title, every line
// prefixed with "[config]" as Pipy prints its configuration at load time.
func logConfig(log *slog.Logger, m *pipeline.Module) {
	for _, mod := range modulesOf(m) {
		title := "Module " + mod.Name
		log.Info("[config]")
		log.Info("[config] " + title)
		log.Info("[config] " + strings.Repeat("=", len(title)))
		log.Info("[config]")
		for _, line := range mod.Graph() {
			log.Info("[config]  " + line)
		}
	}
}

// modulesOf returns m and the modules its pipelines start pipelines of
// (use), directly or not, m first.
func modulesOf(m *pipeline.Module) []*pipeline.Module {
	out := []*pipeline.Module{m}
	seen := map[*pipeline.Module]bool{m: true}
	for i := 0; i < len(out); i++ {
		for _, p := range out[i].Pipelines {
			for _, f := range p.Filters {
				l, ok := f.(pipeline.Linker)
				if !ok {
					continue
				}
				for _, t := range l.Targets() {
					if t != nil && t.Module != nil && !seen[t.Module] {
						seen[t.Module] = true
						out = append(out, t.Module)
					}
				}
			}
		}
	}
	return out
}
