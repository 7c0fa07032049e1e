package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/sluice-go/sluice/script"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHelpFiltersDescribesEveryParameter(t *testing.T) {
	code, out, _ := runArgs("--help-filters")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "tap(quota, account)\n===================\n\n  Throttles")
	assert.Regexp(t, `\n  quota   - <number\|string> `, out)
	assert.Regexp(t, `\n  account - <string> `, out)
	assert.Contains(t, strings.Join(strings.Fields(out), " "), "certificate against the system roots (or trusted) and its name by default; insecure: true skips the check, which is what Pipy does", "connect says TLS verifies by default")
	assert.Contains(t, out, "dummy()\n=======\n\n  Swallows every event\n\n")

	// Every argument a synopsis names is described (target2, when2, … are
	// the repeats of target and when).
	arg := regexp.MustCompile(`[A-Za-z]+`)
	for _, i := range script.Filters() {
		have := map[string]bool{}
		for _, p := range i.Params {
			assert.NotEmpty(t, p.Type, "%s %s", i.Name, p.Name)
			assert.NotEmpty(t, p.Doc, "%s %s", i.Name, p.Name)
			have[p.Name] = true
		}
		for _, a := range arg.FindAllString(i.Synopsis, -1) {
			a = strings.TrimRight(a, "0123456789")
			assert.True(t, have[a], "%s%s: parameter %q is not described", i.Name, i.Synopsis, a)
		}
	}
}
