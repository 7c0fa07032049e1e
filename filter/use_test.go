package filter_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/require"
)

// useModules returns a module "main" whose pipeline x uses pipeline "greet"
// of module "lib" with argv; greet prefixes each Data with its argv.
func useModules(t *testing.T, ref filter.Ref, argv ...any) (main, lib *pipeline.Module) {
	lib = pipeline.NewModule("lib")
	lib.Pipeline("greet", flowFunc(func(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
		return pipeline.TargetFunc(func(evt event.Event) {
			if d, ok := evt.(*event.Data); ok {
				evt = event.FromString(fmt.Sprint(s.Value()) + " " + d.String())
			}
			next.Input(evt)
		})
	}))
	flowBuild(t, lib)
	main = pipeline.NewModule("main")
	main.Modules = func(name string) (*pipeline.Module, error) {
		if name == "lib" {
			return lib, nil
		}
		return nil, fmt.Errorf("%w %q", pipeline.ErrUnknownModule, name)
	}
	main.Pipeline("x", filter.Use(ref, argv...))
	return main, lib
}

func TestUseRunsAnotherModulesPipelineWithArgv(t *testing.T) {
	m, _ := useModules(t, filter.Ref{Module: "lib", Name: "greet"}, "hello", 42)
	flowBuild(t, m)
	require.Equal(t, "use", m.Find("x").Filters[0].Info().Name)
	h := pipelinetest.New(t, m.Find("x"))
	h.InputString("world").End()
	require.Equal(t, "[hello 42] world", h.OutputString())
	require.Equal(t, event.NoError, h.SessionEnd().Err)
}

func TestUseArgvIsTheSubStreamData(t *testing.T) {
	var data any
	probe := flowFunc(func(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
		return pipeline.TargetFunc(func(evt event.Event) { data = s.Value(); next.Input(evt) })
	})
	h := pipelinetest.Of(t, filter.Use(filter.ToPipeline(pipeline.New("p", probe)), "a", 1))
	h.InputString("x")
	require.Equal(t, []any{"a", 1}, data)
}

func TestUseOutputAndEndComeFromTheSubStream(t *testing.T) {
	sub := pipeline.New("p", flowUpper(), flowFailOn("BOOM", event.ConnectionRefused))
	h := pipelinetest.Of(t, filter.Use(filter.ToPipeline(sub)))
	h.InputString("ok").InputString("boom")
	require.Equal(t, "OK", h.OutputString())
	require.Equal(t, event.ConnectionRefused, h.SessionEnd().Err)
	require.Zero(t, h.Worker.Streams())
}

func TestUseUnknownModuleOrPipelineFailsBuild(t *testing.T) {
	m, _ := useModules(t, filter.Ref{Module: "nolib", Name: "greet"})
	err := m.Build()
	require.ErrorIs(t, err, pipeline.ErrUnknownModule)
	require.Contains(t, err.Error(), "nolib")

	m, _ = useModules(t, filter.Ref{Module: "lib", Name: "nothing"})
	err = m.Build()
	require.True(t, errors.Is(err, pipeline.ErrUnknownPipeline))
	require.Contains(t, err.Error(), `"nothing"`)
}

func TestPipyUseCallsArgvFunctionAtEachStreamsFirstEvent(t *testing.T) {
	var data []any
	probe := flowFunc(func(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
		return pipeline.TargetFunc(func(evt event.Event) {
			if len(data) == 0 {
				data = append(data, s.Value())
			}
			next.Input(evt)
		})
	})
	type who struct{}
	calls := 0
	f := filter.UseFunc(filter.ToPipeline(pipeline.New("p", probe)), func(s *pipeline.Stream) []any {
		calls++
		return []any{s.Context().Value(who{}), calls}
	})
	h := pipelinetest.Of(t, f)
	require.Zero(t, calls, "not before the first event")
	h.Context.SetValue(who{}, "ann")
	h.InputString("x").InputString("y")
	require.Equal(t, 1, calls, "once per stream")
	require.Equal(t, []any{[]any{"ann", 1}}, data)
}
