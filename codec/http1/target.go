package http1

import "bytes"

// Request targets (RFC 9112 section 3.2). A request decoder accepts the four
// forms only where they belong, and shows scripts one spelling of each path,
// as nginx does, so that a rule on a path cannot be bypassed by how the path
// is written:
//
//   - origin-form ("/a/b?q"): percent-encoded unreserved characters are
//     decoded and dot segments resolved in the path (RFC 3986 sections 6.2.2
//     and 5.2.4); the query stays as it came. A path that climbs above "/"
//     or holds a malformed percent-encoding is refused.
//   - absolute-form ("http://host/a?q"): seen as origin-form, the target's
//     authority replacing the Host field (RFC 9112 section 3.2.2); OPTIONS
//     with an empty path is seen as "OPTIONS *". A scheme must be followed by
//     "//" and a non-empty authority without userinfo.
//   - authority-form ("host:port"): CONNECT only, and CONNECT takes nothing
//     else; the target is kept as it came.
//   - asterisk-form ("*"): OPTIONS only.
//
// Bytes at or above 0x80 are refused anywhere in a target: they must be
// percent-encoded.

// targetInfo is what parseTarget learnt about a request target.
type targetInfo struct {
	path string // the path (and query) to show, when it differs from the target
	host string // absolute-form: the authority, which replaces Host
	abs  bool   // the target is in absolute-form
}

// parseTarget checks target t of a request with the given method. It returns
// what to show instead of t, or the index in t of the offending byte and what
// is wrong with it.
func parseTarget(method, t []byte) (info targetInfo, bad int, msg string) {
	connect := string(method) == "CONNECT"
	switch {
	case connect:
		if k := badAuthorityForm(t); k >= 0 {
			return info, k, "CONNECT needs an authority-form target"
		}
		return info, -1, ""
	case string(t) == "*":
		if string(method) != "OPTIONS" {
			return info, 0, "asterisk-form target is for OPTIONS only"
		}
		return info, -1, ""
	case t[0] == '/':
		p, k, m := normalizePath(t)
		if k >= 0 {
			return info, k, m
		}
		info.path = p
		return info, -1, ""
	}
	// absolute-form: scheme "://" authority path-abempty [ "?" query ]
	i := 0
	for i < len(t) && isSchemeByte(t[i], i) {
		i++
	}
	if i == 0 || i+3 > len(t) || string(t[i:i+3]) != "://" {
		if i > 0 && i < len(t) && t[i] == ':' {
			return info, 0, "authority-form target is for CONNECT only"
		}
		return info, 0, "malformed request target"
	}
	a0 := i + 3
	a1 := a0
	for a1 < len(t) && t[a1] != '/' && t[a1] != '?' {
		a1++
	}
	if a0 == a1 {
		return info, a0, "empty authority in request target"
	}
	if k := bytes.IndexByte(t[a0:a1], '@'); k >= 0 {
		return info, a0 + k, "userinfo in request target"
	}
	if k := badHostPort(t[a0:a1], false); k >= 0 {
		return info, a0 + k, "invalid authority in request target"
	}
	info.abs = true
	info.host = string(t[a0:a1])
	rest := t[a1:]
	if len(rest) == 0 && string(method) == "OPTIONS" {
		info.path = "*" // RFC 9112 section 3.2.4: the server itself is asked
		return info, -1, ""
	}
	if len(rest) == 0 || rest[0] == '?' {
		info.path = "/" + string(rest)
		return info, -1, ""
	}
	p, k, m := normalizePath(rest)
	if k >= 0 {
		return info, a1 + k, m
	}
	if p == "" {
		p = string(rest)
	}
	info.path = p
	return info, -1, ""
}

// isSchemeByte reports whether c may be byte i of a URI scheme.
func isSchemeByte(c byte, i int) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		return true
	case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		return true
	}
	return false
}

// badAuthorityForm returns the index of the first byte of t that keeps it
// from being host ":" port, or -1.
func badAuthorityForm(t []byte) int { return badHostPort(t, true) }

// badHostPort returns the index of the first byte of a that is not allowed
// in host [":" port], or -1. With needPort the port must be there.
func badHostPort(a []byte, needPort bool) int {
	if len(a) == 0 {
		return 0
	}
	host := a
	port := []byte(nil)
	hasPort := false
	if a[0] == '[' {
		e := bytes.IndexByte(a, ']')
		if e < 0 {
			return len(a) - 1
		}
		for k := 1; k < e; k++ {
			c := a[k]
			if !(isHex(c) || c == ':' || c == '.') {
				return k
			}
		}
		if e+1 < len(a) {
			if a[e+1] != ':' {
				return e + 1
			}
			hasPort, port = true, a[e+2:]
		}
		host = nil
	} else if c := bytes.LastIndexByte(a, ':'); c >= 0 {
		host, port, hasPort = a[:c], a[c+1:], true
	}
	for k, c := range host {
		if !regNameOK(c) {
			return k
		}
	}
	if len(host) == 0 && a[0] != '[' {
		return 0
	}
	if needPort && (!hasPort || len(port) == 0) {
		return len(a) - 1
	}
	if len(port) > 5 {
		return len(a) - len(port) + 5
	}
	for k, c := range port {
		if !isDigit(c) {
			return len(a) - len(port) + k
		}
	}
	return -1
}

// regNameOK reports whether c may appear in a reg-name (RFC 3986), '%' of a
// percent-encoding included.
func regNameOK(c byte) bool {
	return isUnreserved(c) || c == '%' || bytes.IndexByte([]byte("!$&'()*+,;="), c) >= 0
}

// isUnreserved reports whether c is an unreserved character of RFC 3986.
func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

func isHex(c byte) bool { return unhex(c) >= 0 }

// normalizePath decodes the percent-encoded unreserved characters of the
// path of t (a path beginning with "/" and an optional "?query") and resolves
// its dot segments. It returns "" when t needs no change, else the new path
// followed by the query as it came; or the index in t of a malformed
// percent-encoding, or of the start of the target when the path climbs above
// "/", with what is wrong.
func normalizePath(t []byte) (string, int, string) {
	end := bytes.IndexByte(t, '?')
	if end < 0 {
		end = len(t)
	}
	p := t[:end]
	needed := hasDotSegment(p)
	for i := bytes.IndexByte(p, '%'); i >= 0; i = nextPercent(p, i+3) {
		if i+2 >= len(p) || !isHex(p[i+1]) || !isHex(p[i+2]) {
			return "", i, "malformed percent-encoding in request target"
		}
		needed = needed || isUnreserved(byte(unhex(p[i+1])<<4|unhex(p[i+2])))
	}
	if !needed {
		return "", -1, ""
	}
	// Decode the unreserved characters; keep every other encoding as it is.
	dec := make([]byte, 0, len(p))
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '%' {
			if v := byte(unhex(p[i+1])<<4 | unhex(p[i+2])); isUnreserved(v) {
				dec = append(dec, v)
				i += 2
				continue
			}
		}
		dec = append(dec, c)
	}
	// Resolve the dot segments (RFC 3986 section 5.2.4), refusing to climb
	// above the root.
	out := make([]byte, 0, len(dec))
	for i := 0; i < len(dec); {
		j := i + 1
		for j < len(dec) && dec[j] != '/' {
			j++
		}
		switch string(dec[i+1 : j]) {
		case ".":
			if j == len(dec) {
				out = append(out, '/')
			}
		case "..":
			if len(out) == 0 {
				return "", 0, "request path climbs above the root"
			}
			out = out[:bytes.LastIndexByte(out, '/')]
			if j == len(dec) {
				out = append(out, '/')
			}
		default:
			out = append(out, dec[i:j]...)
		}
		i = j
	}
	if len(out) == 0 {
		out = append(out, '/')
	}
	out = append(out, t[end:]...)
	if bytes.Equal(out, t) {
		return "", -1, ""
	}
	return string(out), -1, ""
}

// nextPercent returns the index of the first '%' of p at or after i, or -1.
func nextPercent(p []byte, i int) int {
	if i >= len(p) {
		return -1
	}
	if k := bytes.IndexByte(p[i:], '%'); k >= 0 {
		return i + k
	}
	return -1
}

// hasDotSegment reports whether path p has a "." or ".." segment.
func hasDotSegment(p []byte) bool {
	for {
		i := bytes.Index(p, []byte("/."))
		if i < 0 {
			return false
		}
		p = p[i+2:]
		if len(p) == 0 || p[0] == '/' || (p[0] == '.' && (len(p) == 1 || p[1] == '/')) {
			return true
		}
	}
}
