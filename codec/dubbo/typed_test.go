package dubbo_test

import (
	"testing"

	"github.com/sluice-go/sluice/codec/dubbo"
	"github.com/sluice-go/sluice/event"
	"github.com/stretchr/testify/assert"
)

func TestOf(t *testing.T) {
	h, ok := dubbo.Of(&event.Message{Head: &dubbo.Head{ID: 9}})
	assert.True(t, ok)
	assert.Equal(t, int64(9), h.ID)
	_, ok = dubbo.Of(&event.Message{Head: event.Fields{"id": 9}})
	assert.False(t, ok)
	_, ok = dubbo.Of(nil)
	assert.False(t, ok)
}
