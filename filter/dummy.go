package filter

import "github.com/sluice-go/sluice/pipeline"

// Dummy returns a filter that swallows every event: nothing comes out of it.
// A stream ending in Dummy still ends when a SessionEnd has gone into it (and
// no filter holds it), with a SessionEnd of no error, as every stream does.
// The filter keeps no state: every stream shares the same instance.
func Dummy() pipeline.Filter { return dummy{} }

var dummyInfo = pipeline.Info{
	Name:     "dummy",
	Synopsis: "()",
	Summary:  "Swallows every event",
}

type dummy struct{}

func (dummy) Info() pipeline.Info { return dummyInfo }

// New returns pipeline.Discard: there is nothing to keep per stream.
func (dummy) New(*pipeline.Stream, pipeline.Target) pipeline.Target { return pipeline.Discard }
