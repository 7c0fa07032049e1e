package http1_test

import (
	"testing"

	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/event"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRequestURLForms(t *testing.T) {
	for _, c := range []struct{ method, target, scheme, host, path, query string }{
		{"GET", "/a/b?x=1&y", "", "", "/a/b", "x=1&y"},
		{"GET", "http://example.com/a?q", "http", "example.com", "/a", "q"},
		{"CONNECT", "example.com:443", "", "example.com:443", "", ""},
		{"OPTIONS", "*", "", "", "*", ""},
	} {
		u, err := (&http1.RequestHead{Method: c.method, Path: c.target}).URL()
		require.NoError(t, err, c.target)
		assert.Equal(t, []string{c.scheme, c.host, c.path, c.query}, []string{u.Scheme, u.Host, u.Path, u.RawQuery}, c.target)
	}
	_, err := (&http1.RequestHead{Method: "GET", Path: "no-slash"}).URL()
	assert.ErrorIs(t, err, http1.ErrBadTarget)
	assert.Empty(t, (&http1.RequestHead{Method: "GET", Path: "no-slash"}).Query())
}

func TestTypedHeadsOfOtherMessages(t *testing.T) {
	_, ok := http1.RequestOf(nil)
	assert.False(t, ok)
	_, ok = http1.RequestOf(&event.Message{Head: event.Fields{"method": "GET"}})
	assert.False(t, ok, "a plain map head is not a RequestHead")
	_, ok = http1.ResponseOf(&event.Message{Head: (*http1.ResponseHead)(nil)})
	assert.False(t, ok, "a nil typed head is no head")
	_, err := http1.JSON(200, func() {})
	assert.Error(t, err, "a func cannot be encoded")
	assert.Error(t, http1.ReadJSON(&event.Message{}, &struct{}{}), "no body is no JSON")
}
