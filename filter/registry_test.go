package filter_test

import (
	"testing"

	"github.com/sluice-go/sluice/filter"
	"github.com/stretchr/testify/assert"
)

func TestInfosNameEveryFilterOnceWithSynopsisAndSummary(t *testing.T) {
	seen := map[string]bool{}
	for _, i := range filter.Infos() {
		assert.False(t, seen[i.Name], "listed twice: %s", i.Name)
		seen[i.Name] = true
		assert.NotEmpty(t, i.Synopsis, i.Name)
		assert.NotEmpty(t, i.Summary, i.Name)
	}
	for _, n := range []string{"connect", "onMessage", "replaceMessageBody", "wait"} {
		assert.True(t, seen[n], n)
	}
}
