package algo

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestURLRouterFind(t *testing.T) {
	r := &URLRouter[string]{}
	for _, p := range []string{
		"/*", "/hi/*", "/hi/there/*", "/echo", "/", "/a/b",
		"foo.com/bar/*", "foo.com/bar/baz", "*.foo.com/bar", "*.foo.org/foo/bar/*",
		"Upper.COM/x/*",
	} {
		require.NoError(t, r.Add(p, p))
	}
	for _, c := range []struct{ url, want string }{
		{"/", "/"},
		{"/x", "/*"},
		{"/echo", "/echo"},
		{"/echo/", "/*"},
		{"/echo?x=1", "/echo"},
		{"/hi", "/hi/*"},
		{"/hi/", "/hi/*"},
		{"/hit", "/*"},
		{"/hi/x/y", "/hi/*"},
		{"/hi/there", "/hi/there/*"},
		{"/hi/there/1?q", "/hi/there/*"},
		{"/hi//there", "/hi/*"},
		{"/a/b", "/a/b"},
		{"/a/b/c", "/*"},
		{"foo.com/bar/x", "foo.com/bar/*"},
		{"foo.com:8080/bar", "foo.com/bar/*"},
		{"FOO.com/bar/baz", "foo.com/bar/baz"},
		{"foo.com/other", "/*"}, // the host has no match: hostless routes
		{"a.foo.com/bar", "*.foo.com/bar"},
		{"a.foo.com/bar/x", "/*"},
		{"foo.com.evil/bar/x", "/*"},
		{"a.b.foo.com/bar", "/*"}, // a wildcard is one label
		{"x.foo.org/foo/bar", "*.foo.org/foo/bar/*"},
		{"x.foo.org/foo/bar/1/2", "*.foo.org/foo/bar/*"},
		{"upper.com/x/1", "Upper.COM/x/*"},
	} {
		got, ok := r.Find(c.url)
		if assert.True(t, ok, c.url) {
			assert.Equal(t, c.want, got, c.url)
		}
	}
	_, ok := r.Find("no-slash")
	assert.False(t, ok)
}

func TestURLRouterNoFallback(t *testing.T) {
	r := &URLRouter[int]{}
	require.NoError(t, r.Add("/api/*", 1))
	require.NoError(t, r.Add("host.com/*", 2))
	for _, u := range []string{"/", "/ap", "/apix", "other.com/x"} {
		_, ok := r.Find(u)
		assert.False(t, ok, u)
	}
	v, _ := r.Find("host.com/anything/at/all")
	assert.Equal(t, 2, v)
	v, _ = r.Find("/api")
	assert.Equal(t, 1, v)
}

func TestURLRouterBadPatterns(t *testing.T) {
	r := &URLRouter[int]{}
	assert.ErrorIs(t, r.Add("nopath", 1), ErrBadURLPattern)
	assert.ErrorIs(t, r.Add("host:80/x", 1), ErrBadURLPattern)
	require.NoError(t, r.Add("/x", 1))
	require.NoError(t, r.Add("/x", 2)) // replaces
	v, _ := r.Find("/x")
	assert.Equal(t, 2, v)
}

func TestJoinRouteURL(t *testing.T) {
	for _, c := range []struct {
		parts []string
		want  string
	}{
		{nil, ""},
		{[]string{"/p"}, "/p"},
		{[]string{"h.com", "/p"}, "h.com/p"},
		{[]string{"h.com/", "/p"}, "h.com/p"},
		{[]string{"h.com", "p"}, "h.com/p"},
		{[]string{"h.com", "/a", "b"}, "h.com/a/b"},
	} {
		assert.Equal(t, c.want, JoinURL(c.parts...), "%q", c.parts)
	}
}

func BenchmarkURLRouterFind(b *testing.B) {
	r := &URLRouter[int]{}
	for i, p := range []string{"/*", "/api/*", "/api/v1/users/*", "/echo", "foo.com/bar/*", "*.foo.com/baz/*"} {
		if err := r.Add(p, i); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := r.Find("www.example.com:8080/api/v1/users/42?x=1"); !ok {
			b.Fatal("no route")
		}
		if _, ok := r.Find("a.foo.com/baz/qux"); !ok {
			b.Fatal("no route")
		}
	}
}
