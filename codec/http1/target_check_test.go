package http1_test

import (
	"testing"

	"github.com/sluice-go/sluice/codec/http1"
	"github.com/stretchr/testify/assert"
)

func TestCheckTarget(t *testing.T) {
	for _, c := range []struct{ method, target, path, host string }{
		{"GET", "/a/%2e%2e/admin?x=/../", "/admin?x=/../", ""},
		{"GET", "/a/./b/../%7Ec", "/a/~c", ""},
		{"GET", "/plain?q", "/plain?q", ""},
		{"OPTIONS", "*", "*", ""},
		{"GET", "http://h:8/a/../b", "/b", "h:8"},
		{"CONNECT", "h:443", "h:443", ""},
	} {
		path, host, err := http1.CheckTarget(c.method, c.target)
		if assert.NoError(t, err, c.target) {
			assert.Equal(t, c.path, path, c.target)
			assert.Equal(t, c.host, host, c.target)
		}
	}
	for _, c := range []struct{ method, target string }{
		{"GET", "/../etc"}, {"GET", "/a%zz"}, {"GET", "/a b"}, {"GET", "/\x01"}, {"GET", "/\xc3\xa9"},
		{"GET", "*"}, {"GET", "h:443"}, {"CONNECT", "/a"}, {"GET", ""},
	} {
		_, _, err := http1.CheckTarget(c.method, c.target)
		assert.ErrorIs(t, err, http1.ErrMalformed, "%q %q", c.method, c.target)
	}
}
