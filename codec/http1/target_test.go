package http1

import (
	"bytes"
	"testing"
)

// FuzzParseTarget checks that a target's shown path is in its one spelling:
// it starts with "/", has no dot segment and no percent-encoded unreserved
// character, keeps the query as it came, and is left alone when parsed again.
func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"/", "/a/./b/../c?x=/../", "/%2e%2E/", "/x/%2E%2e/admin", "http://a.example:80/x/../y?z",
		"/%41%7e", "*", "h:443", "//a/../b", "/a%2", "https://[::1]:8443"} {
		f.Add(s, "GET")
		f.Add(s, "CONNECT")
		f.Add(s, "OPTIONS")
	}
	f.Fuzz(func(t *testing.T, target, method string) {
		if target == "" || firstBadTargetByte([]byte(target)) >= 0 {
			return
		}
		info, bad, msg := parseTarget([]byte(method), []byte(target))
		if bad >= 0 {
			// An error may point just past the target ("A://": the
			// authority that should follow is missing), never further.
			if bad > len(target) || msg == "" {
				t.Fatalf("%q: error at %d (%q)", target, bad, msg)
			}
			return
		}
		path := info.path
		if path == "" {
			path = target
		}
		if method == "CONNECT" || target == "*" {
			if info.path != "" {
				t.Fatalf("%s %q shown as %q", method, target, info.path)
			}
			return
		}
		if path == "*" {
			if method != "OPTIONS" {
				t.Fatalf("%s %q shown as *", method, target)
			}
			return
		}
		p, q, _ := bytes.Cut([]byte(path), []byte("?"))
		if len(p) == 0 || p[0] != '/' || hasDotSegment(p) {
			t.Fatalf("%q shown as %q", target, path)
		}
		for i := bytes.IndexByte(p, '%'); i >= 0; i = nextPercent(p, i+1) {
			if isUnreserved(byte(unhex(p[i+1])<<4 | unhex(p[i+2]))) {
				t.Fatalf("%q shown as %q, with an encoded unreserved character", target, path)
			}
		}
		if _, tq, ok := bytes.Cut([]byte(target), []byte("?")); ok && !bytes.Equal(tq, q) {
			t.Fatalf("%q: query %q became %q", target, tq, q)
		}
		again, bad, _ := parseTarget([]byte(method), []byte(path))
		if bad >= 0 || again.path != "" {
			t.Fatalf("%q shown as %q, which parses again to %q (bad %d)", target, path, again.path, bad)
		}
	})
}
