package script

import (
	"fmt"

	"github.com/dop251/goja"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
)

// tap(quota, account): quota as parseQuota reads it (a number is
// messages, a string bytes a second), account a name; either may be a
// function, called at each stream's first event. As in Pipy, the account is
// a string (no account is "undefined"), so streams of one tap without an
// account share one budget per worker.
func bindTap(rt *jsRuntime, args []goja.Value) (pipeline.Filter, error) {
	q := arg(args, 0)
	if isNullish(q) {
		return nil, fmt.Errorf("%w: no quota", ErrBadArgument)
	}
	var opts filter.TapOptions
	p := rt.p
	if id, ok := rt.register(q); ok {
		opts.QuotaFunc = func(s *pipeline.Stream) filter.Quota {
			w := p.runtimeOf(s)
			quota, err := parseQuota(w.call(s, id).Export())
			fail(err)
			return quota
		}
	} else {
		var err error
		if opts.Quota, err = parseQuota(q.Export()); err != nil {
			return nil, err
		}
	}
	a := arg(args, 1)
	if id, ok := rt.register(a); ok {
		opts.AccountFunc = func(s *pipeline.Stream) string {
			w := p.runtimeOf(s)
			return jsString(w.call(s, id))
		}
	} else {
		opts.Account = jsString(a)
	}
	return filter.Tap(opts), nil
}

// jsString is String(v) in JavaScript: "undefined" for undefined.
func jsString(v goja.Value) string {
	if v == nil {
		return "undefined"
	}
	return v.String()
}
