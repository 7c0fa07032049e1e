package script_test

import (
	"testing"

	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/script"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPipelinesInACycleAreRejectedWhereTheCycleCloses(t *testing.T) {
	cases := []struct{ src, want string }{
		{"pipy()\n.pipeline('a')\n  .link('a')", `^main\.js:3:\d+: link: recursive pipeline: a → a$`},
		{"pipy()\n.listen(8080)\n  .demux('a')\n.pipeline('a')\n  .link('b', () => true, 'c')\n" +
			".pipeline('b')\n  .dummy()\n.pipeline('c')\n  .fork('a')",
			`^main\.js:9:\d+: fork: recursive pipeline: a → c → a$`},
		{"pipy()\n.pipeline('a')\n  .mux('b')\n.pipeline('b')\n  .demux('a')", `^main\.js:5:\d+: demux: recursive pipeline: a → b → a$`},
	}
	for _, c := range cases {
		_, err := script.LoadSource("main.js", c.src, script.Options{})
		require.Error(t, err, c.src)
		assert.ErrorIs(t, err, pipeline.ErrRecursivePipeline, c.src)
		assert.Regexp(t, c.want, err.Error(), c.src)
	}
}

func TestPipelinesSharedByOthersLoad(t *testing.T) {
	_, err := script.LoadSource("main.js", `
pipy()
.listen(8080)
  .link('a', () => false, 'b')
.pipeline('a')
  .fork('log')
  .link('b')
.pipeline('b')
  .fork('log')
  .dummy()
.pipeline('log')
  .dummy()
`, script.Options{})
	require.NoError(t, err)
}

func TestACycleThroughUseAcrossFilesIsRejected(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "lib.js", "pipy()\n.pipeline('back')\n  .use('main.js', 'entry')\n")
	writeFile(t, dir, "main.js", "pipy()\n.pipeline('entry')\n  .use('lib.js', 'back')\n")
	_, err := script.Load(dir+"/main.js", script.Options{})
	require.Error(t, err)
	assert.ErrorIs(t, err, pipeline.ErrRecursivePipeline)
	assert.Regexp(t, `main\.js:3:\d+: use: recursive pipeline: `, err.Error())
	assert.Contains(t, err.Error(), "main.js:entry")
}

func TestTwoListensOnOnePortAreRejectedAtTheSecond(t *testing.T) {
	_, err := script.LoadSource("main.js", "pipy()\n.listen(8080)\n  .dummy()\n.listen('0.0.0.0:8080')\n  .dummy()\n", script.Options{})
	require.Error(t, err)
	assert.ErrorIs(t, err, pipeline.ErrListenConflict)
	assert.Regexp(t, `^main\.js:4:\d+: listen: 0\.0\.0\.0:8080 is listened on twice \(also as :8080\) \(first at main\.js:2:\d+\)$`, err.Error())
}
