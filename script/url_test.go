package script

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParsePipyURL(t *testing.T) {
	for _, c := range []struct {
		raw, base string
		want      parsedURL
	}{
		{"http://user:pw@example.com:8080/a/b?x=1&y=2#frag", "", parsedURL{
			protocol: "http:", auth: "user:pw", username: "user", password: "pw",
			host: "example.com:8080", hostname: "example.com", port: "8080",
			path: "/a/b?x=1&y=2", pathname: "/a/b", search: "?x=1&y=2", query: "x=1&y=2",
			hash: "#frag", origin: "http://example.com:8080",
			href: "http://user:pw@example.com:8080/a/b?x=1&y=2#frag",
		}},
		{"https://example.com", "", parsedURL{
			protocol: "https:", host: "example.com", hostname: "example.com", port: "443",
			path: "/", pathname: "/", origin: "https://example.com", href: "https://example.com/",
		}},
		{"HTTP://h?q", "", parsedURL{
			protocol: "http:", host: "h", hostname: "h", port: "80",
			path: "/?q", pathname: "/", search: "?q", query: "q", origin: "http://h", href: "http://h/?q",
		}},
		{"//h:1/x", "", parsedURL{
			protocol: "http:", host: "h:1", hostname: "h", port: "1",
			path: "/x", pathname: "/x", origin: "http://h:1", href: "http://h:1/x",
		}},
		{"ws://[::1]:9000/s", "", parsedURL{
			protocol: "ws:", host: "[::1]:9000", hostname: "[::1]", port: "9000",
			path: "/s", pathname: "/s", origin: "ws://[::1]:9000", href: "ws://[::1]:9000/s",
		}},
		{"redis://cache/0", "", parsedURL{
			protocol: "redis:", host: "cache", hostname: "cache",
			path: "/0", pathname: "/0", origin: "redis://cache", href: "redis://cache/0",
		}},
	} {
		assert.Equal(t, c.want, parsePipyURL(c.raw, c.base), c.raw)
	}
}

func TestParsePipyURLRelative(t *testing.T) {
	base := "https://u@example.com/a/b/c?q=1#h"
	for _, c := range []struct{ raw, href string }{
		{"d", "https://u@example.com/a/b/d"},
		{"../d", "https://u@example.com/a/d"},
		{"./d/./e/..", "https://u@example.com/a/b/d/"},
		{"/x/../y", "https://u@example.com/y"},
		{"?z=2", "https://u@example.com/a/b/c?z=2"},
		{"#k", "https://u@example.com/a/b/c?q=1#k"},
		{"", "https://u@example.com/a/b/c?q=1"},
		{"../../../../up", "https://u@example.com/up"},
		{"http://other/p", "http://other/p"},
	} {
		assert.Equal(t, c.href, parsePipyURL(c.raw, base).href, c.raw)
	}
}

func TestJSURL(t *testing.T) {
	h := newFakeHost(t, t.TempDir())
	h.run(t, `var u = new URL('https://example.com:8443/p/q?a=1&b=x%20y&a=2&c=+z#top')`)
	assert.Equal(t, "example.com 8443 /p/q ?a=1&b=x%20y&a=2&c=+z #top https://example.com:8443 https:",
		h.runString(t, `[u.hostname, u.port, u.pathname, u.search, u.hash, u.origin, u.protocol].join(' ')`))
	assert.Equal(t, "1|x y|1,2|true|false|null| z", h.runString(t,
		`[u.searchParams.get('a'), u.searchParams.get('b'), u.searchParams.getAll('a'), u.searchParams.has('c'),
		  u.searchParams.has('d'), String(u.searchParams.get('d')), u.searchParams.get('c')].join('|')`))
	assert.Equal(t, "a=1&b=x+y&a=2&c=+z", h.runString(t, `u.searchParams.toString()`))
	assert.Equal(t, "https://example.com:8443/p/q?a=1&b=x%20y&a=2&c=+z#top", h.runString(t, `String(u)`))
	assert.Equal(t, `{"u":"https://example.com:8443/p/q?a=1&b=x%20y&a=2&c=+z#top"}`, h.runString(t, `JSON.stringify({u})`))
	assert.Equal(t, "http://h/x/z", h.runString(t, `new URL('z', new URL('http://h/x/y')).href`))
	assert.Equal(t, "http://h/x/z", h.runString(t, `new URL('z', 'http://h/x/y').href`))
	assert.Equal(t, "/p/q?a=1&b=x%20y&a=2&c=+z", h.runString(t, `u.path`))
	// Read-only, as in Pipy.
	assert.Equal(t, "example.com", h.runString(t, `u.hostname = 'evil'; u.hostname`))
	assert.True(t, h.run(t, `u instanceof URL`).ToBoolean())
	h.throws(t, `new URL(42)`, "TypeError", "URL: url must be a string")
	h.throws(t, `new URL('x', 42)`, "TypeError", "URL: base must be a string or a URL")
}
