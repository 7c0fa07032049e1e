package script_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/event"
)

// A static replacement (events converted once at load) is copied at each
// use: every message of it, with or without a body, comes out whole and in
// order, and two uses hand out distinct events.
func TestStaticReplacementCopies(t *testing.T) {
	m := load(t, `
pipy()
.pipeline('p')
  .replaceMessage([new Message('one'), new Message(), new Message({ status: 201 }, 'three')])
`)
	w := newWorker(t)
	s := w.start(find(t, m, "p"))
	s.message(nil, "x").message(nil, "y")
	assert.Equal(t, []string{"one", "", "three", "one", "", "three"}, bodies(s.out))
	var starts []*event.MessageStart
	var datas []*event.Data
	for _, e := range s.out {
		switch e := e.(type) {
		case *event.MessageStart:
			starts = append(starts, e)
		case *event.Data:
			datas = append(datas, e)
		}
	}
	require.Len(t, starts, 6)
	require.Len(t, datas, 4)
	assert.NotSame(t, starts[0], starts[3], "a use's MessageStart is its own")
	assert.NotSame(t, datas[0], datas[2], "a use's Data is its own")
	datas[0].Skip(3) // the next filter owns what it got
	s.message(nil, "z")
	assert.Equal(t, "one", bodies(s.out)[6])
}
