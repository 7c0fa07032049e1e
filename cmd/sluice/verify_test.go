package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestVerifyRejectsWhatTheRunWouldFailOn(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"pipy()\n.listen(8080)\n  .link('a')\n.pipeline('a')\n  .link('b')\n.pipeline('b')\n  .link('a')\n",
			`main\.js:7:\d+: link: recursive pipeline: a → b → a`},
		{"pipy()\n.listen(8080)\n  .dummy()\n.listen(8080)\n  .dummy()\n",
			`main\.js:4:\d+: listen: :8080 is listened on twice \(first at .*main\.js:2:\d+\)`},
		{"pipy()\n.listen(8080)\n  .demux('nowhere')\n",
			`main\.js:3:\d+: demux: unknown pipeline "nowhere"`},
	} {
		code, out, errOut := runArgs("--verify", writeScript(t, c.src))
		assert.Equal(t, 1, code, c.src)
		assert.NotContains(t, out, "is valid")
		assert.Regexp(t, c.want, errOut, c.src)
	}
}

func TestLoadLogsThePipelineGraph(t *testing.T) {
	path := writeScript(t, "pipy()\n.listen(8080)\n  .link('up')\n.pipeline('up')\n  .dummy()\n")
	code, _, errOut := runArgs("--verify", path)
	assert.Equal(t, 0, code, errOut)
	for _, want := range []string{
		`level=INFO msg="[config] Module ` + path + `"`,
		`level=INFO msg="[config]  [Listen on :8080]"`,
		`level=INFO msg="[config]        |--> [up]"`,
		`level=INFO msg="[config]              dummy -->|"`,
	} {
		assert.Contains(t, errOut, want)
	}
}
