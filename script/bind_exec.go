package script

import (
	"fmt"

	"github.com/dop251/goja"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
)

// exec(command): a command line (split like a shell's words, no
// expansion), an argv array, or a function returning one of those.
func bindExec(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	v := arg(args, 0)
	if id, ok := rt.register(v); ok {
		p := rt.p
		return filter.ExecFunc(func(s *pipeline.Stream) []string {
			w := p.runtimeOf(s)
			argv, err := argvOf(w.call(s, id))
			fail(err)
			return argv
		}), nil
	}
	argv, err := argvOf(v)
	if err != nil {
		return nil, err
	}
	return filter.Exec(argv...), nil
}

func argvOf(v goja.Value) ([]string, error) {
	if isNullish(v) {
		return nil, fmt.Errorf("%w: no command", ErrBadArgument)
	}
	switch x := v.Export().(type) {
	case string:
		argv := splitCommand(x)
		if len(argv) == 0 {
			return nil, fmt.Errorf("%w: empty command", ErrBadArgument)
		}
		return argv, nil
	case []any:
		argv := make([]string, len(x))
		for i, a := range x {
			argv[i] = fmt.Sprint(a)
		}
		if len(argv) == 0 {
			return nil, fmt.Errorf("%w: empty command", ErrBadArgument)
		}
		return argv, nil
	}
	return nil, fmt.Errorf("%w: the command must be a string or an array", ErrBadArgument)
}

// --- codecs and debugging -----------------------------------------------------
