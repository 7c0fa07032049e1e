package script

import "testing"

// FuzzURL checks that URL parsing never panics, with or without a base, and
// that parsing the href of a URL with a host again gives the same URL (a URL
// without one has an href like "http:///x" that names no host, and is left
// out).
func FuzzURL(f *testing.F) {
	for _, s := range []string{
		"http://a.b:8080/p/q?x=1#h", "https://u:p@[::1]:443/", "/rel/../x?y", "?q", "#f", "x/y", "",
		"HTTP://Host", "ws://h/a/./b/../c", "//h/p",
	} {
		f.Add(s, "http://base.host/dir/file?b=1")
	}
	f.Fuzz(func(t *testing.T, raw, base string) {
		for _, u := range []parsedURL{parsePipyURL(raw, ""), parsePipyURL(raw, base)} {
			if u.host == "" {
				continue
			}
			if again := parsePipyURL(u.href, ""); again != u {
				t.Fatalf("parse(%q, %q) = %+v\nbut parsing its href again gives %+v", raw, base, u, again)
			}
		}
	})
}
