package http1

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
)

// netHTTPAccepts reports whether net/http's request reader takes every
// request of raw, bodies included, without an error. (net/http's server adds
// checks of its own, noted where they matter.)
func netHTTPAccepts(raw []byte) bool {
	br := bufio.NewReader(bytes.NewReader(raw))
	for {
		if _, err := br.Peek(1); errors.Is(err, io.EOF) {
			return true
		}
		req, err := http.ReadRequest(br)
		if err != nil {
			return false
		}
		if _, err := io.Copy(io.Discard, req.Body); err != nil {
			return false
		}
		if req.Close {
			return true
		}
	}
}

// differencesFromNetHTTP lists, with the reason, each request case on which
// the decoder and net/http's request reader disagree. A case missing here
// that disagrees, or one listed that agrees, fails the test: a difference is
// always a decision, written down.
//
// Where both agree but net/http's server differs from its reader: a missing
// Host in HTTP/1.1 (http11-without-host) is taken by the reader and answered
// 400 by net/http's server (RFC 9112 section 3.2); the decoder accepts it, as
// Pipy does, since Pipy's own encoder sends such requests. The head limits
// (414, 431) are likewise the server's in net/http, not the reader's.
var differencesFromNetHTTP = map[string]string{
	// The decoder is stricter: each of these is a framing or routing
	// ambiguity that parsers disagree on, refused rather than guessed at.
	"content-length-and-transfer-encoding": "net/http's reader drops Content-Length and reads chunked; RFC 9112 " +
		"section 6.1 allows that, but a proxy that passes the request on must not guess: refused",
	"obs-fold":           "net/http's reader unfolds continuation lines; RFC 9112 section 5.2 lets a server refuse them",
	"space-before-colon": "net/http's reader trims it; RFC 9112 section 5.1 says a server MUST refuse it",
	"invalid-header-name": "net/http's reader keeps a field name with a space; RFC 9110 section 5.1 makes it a " +
		"token, and parsers disagree on where such a name ends",
	"unsupported-version": "net/http's reader parses HTTP/2.0 in a request line; only HTTP/1.0 and 1.1 are spoken " +
		"here (505)",
	"request-line-too-long": "a limit of net/http's server, not of its reader",
	"too-many-headers":      "a limit of net/http's server, not of its reader",
	"head-too-large":        "a limit of net/http's server, not of its reader",
	"chunk-extension-without-name": "net/http cuts a chunk-size line at ';' and ignores what follows; parsers " +
		"disagree on a nameless extension (issue 13)",
	"asterisk-form-with-get":     "net/http takes '*' with any method; RFC 9112 section 3.2.4 gives it to OPTIONS only",
	"authority-form-with-get":    "net/http parses 'x:80' as an opaque URI; RFC 9112 section 3.2.3 gives it to CONNECT only",
	"target-with-raw-high-bytes": "net/http keeps raw bytes above 0x7e in the target; parsers disagree on them",
	"dot-segments-above-root":    "net/http keeps the target as sent; a path above '/' is refused, as nginx does",
	"CONNECT origin-form": "net/http takes CONNECT with a path (for its own tunnelling handlers); CONNECT takes " +
		"authority-form only here",
	"absolute-form with userinfo": "net/http keeps userinfo; an authority with userinfo is refused here",
}

func TestDifferencesFromNetHTTPAreDocumented(t *testing.T) {
	type rcase struct {
		name   string
		raw    []byte
		accept bool
	}
	var cases []rcase
	for _, c := range loadCorpus(t).Cases {
		if c.Kind == "request" {
			cases = append(cases, rcase{c.Name, rawBytes(t, c.Raw), len(c.Expect.Reject) == 0})
		}
	}
	cases = append(cases,
		rcase{"bare LF in trailer", []byte("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: 1\n\r\n"), false},
		rcase{"CONNECT origin-form", []byte("CONNECT / HTTP/1.1\r\nHost: x\r\n\r\n"), false},
		rcase{"CONNECT authority-form", []byte("CONNECT x:443 HTTP/1.1\r\nHost: x\r\n\r\n"), true},
		rcase{"absolute-form with userinfo", []byte("GET http://u@x/ HTTP/1.1\r\nHost: x\r\n\r\n"), false},
		rcase{"malformed percent-encoding", []byte("GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n"), false},
		rcase{"bare LF head", []byte("GET / HTTP/1.1\nHost: x\n\n"), true},
		rcase{"identical content-lengths", []byte("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na"), true},
	)
	var differ []string
	for _, c := range cases {
		res := decodePieces(t, false, Options{}, [][]byte{c.raw}, true)
		if ours := res.Err == nil; ours != c.accept {
			t.Fatalf("%s: decoder accepts %v, the case says %v", c.name, ours, c.accept)
		}
		if netHTTPAccepts(c.raw) != c.accept {
			differ = append(differ, c.name)
			if _, ok := differencesFromNetHTTP[c.name]; !ok {
				t.Errorf("%s: net/http accepts %v, the decoder %v; an undocumented difference", c.name, !c.accept, c.accept)
			}
		}
	}
	sort.Strings(differ)
	for name := range differencesFromNetHTTP {
		if i := sort.SearchStrings(differ, name); i == len(differ) || differ[i] != name {
			t.Errorf("%s: documented as a difference, but net/http agrees", name)
		}
	}
	t.Logf("differences: %s", strings.Join(differ, ", "))
}
