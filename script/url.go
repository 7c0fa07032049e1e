package script

import (
	"net/url"
	"strings"

	"github.com/dop251/goja"
)

// parsedURL holds the parts of a URL as Pipy's URL class exposes them. Unlike
// the WHATWG URL, port is filled in from the scheme when the URL has none
// ("80" for http:), protocol defaults to "http:", path is pathname plus
// search, and query is search without its "?".
type parsedURL struct {
	protocol, auth, username, password string
	host, hostname, port               string
	path, pathname, search, query      string
	hash, origin, href                 string
}

// defaultPorts are the ports Pipy fills in for a URL without one.
var defaultPorts = map[string]string{
	"ftp:": "21", "gopher:": "70", "http:": "80", "https:": "443", "ws:": "80", "wss:": "443",
}

// splitScheme returns the scheme of s with its colon, lower-cased ("https:"),
// or "" when s does not start with one.
func splitScheme(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ':' && i > 0:
			return strings.ToLower(s[:i+1])
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return ""
		}
	}
	return ""
}

// splitAuthority splits "//authority/path..." into the authority (without its
// leading slashes) and the rest; s without "//" has no authority.
func splitAuthority(s string) (authority, rest string, ok bool) {
	if !strings.HasPrefix(s, "//") {
		return "", s, false
	}
	s = strings.TrimLeft(s, "/")
	end := strings.IndexAny(s, "/?#")
	if end < 0 {
		return s, "", true
	}
	return s[:end], s[end:], true
}

// parsePipyURL parses raw, resolved against base when raw has no host and base
// is not empty.
func parsePipyURL(raw, base string) parsedURL {
	var u parsedURL
	u.protocol = splitScheme(raw)
	authority, path, _ := splitAuthority(raw[len(u.protocol):])
	if authority == "" && base != "" {
		b := parsePipyURL(base, "")
		u.protocol = b.protocol
		authority = b.host
		if b.auth != "" {
			authority = b.auth + "@" + b.host
		}
		switch {
		case path == "":
			path = b.path
		case path[0] == '?':
			path = b.pathname + path
		case path[0] == '#':
			path = b.path + path
		case path[0] != '/':
			dir := b.pathname[:strings.LastIndexByte(b.pathname, '/')+1]
			path = removeDotSegments(dir + path)
		default:
			path = removeDotSegments(path)
		}
	}

	host := authority
	if at := strings.LastIndexByte(host, '@'); at >= 0 {
		u.auth, host = host[:at], host[at+1:]
		u.username, u.password, _ = strings.Cut(u.auth, ":")
	}
	u.host = host
	if strings.HasPrefix(host, "[") {
		if end := strings.IndexByte(host, ']'); end >= 0 && strings.HasPrefix(host[end+1:], ":") {
			u.hostname, u.port = host[:end+1], host[end+2:]
		} else {
			u.hostname = host
		}
	} else {
		u.hostname, u.port, _ = strings.Cut(host, ":")
	}

	if i := strings.IndexByte(path, '#'); i >= 0 {
		path, u.hash = path[:i], path[i:]
	}
	u.pathname = path
	if i := strings.IndexByte(path, '?'); i >= 0 {
		u.pathname, u.search, u.query = path[:i], path[i:], path[i+1:]
	}
	if u.pathname == "" {
		u.pathname = "/"
	}
	u.path = u.pathname + u.search

	if u.protocol == "" {
		u.protocol = "http:"
	}
	if u.port == "" {
		u.port = defaultPorts[u.protocol]
	}
	u.origin = u.protocol + "//" + u.host
	u.href = u.protocol + "//"
	if u.auth != "" {
		u.href += u.auth + "@"
	}
	u.href += u.host + u.path + u.hash
	return u
}

// removeDotSegments resolves "." and ".." segments of an absolute path.
func removeDotSegments(p string) string {
	segs := strings.Split(p, "/")
	out := make([]string, 0, len(segs))
	for i, s := range segs {
		last := i == len(segs)-1
		switch s {
		case ".":
			if last {
				out = append(out, "")
			}
		case "..":
			if len(out) > 1 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, s)
		}
	}
	return strings.Join(out, "/")
}

// queryParam is one name=value pair of a query string, decoded.
type queryParam struct{ name, value string }

// parseQuery splits a query string (without "?") into its pairs, decoding
// percent escapes and "+" as a space; pairs that do not decode are kept raw.
func parseQuery(q string) []queryParam {
	var ps []queryParam
	for part := range strings.SplitSeq(q, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		ps = append(ps, queryParam{unescapeQuery(k), unescapeQuery(v)})
	}
	return ps
}

// unescapeQuery decodes a query component, leaving malformed ones as they are.
func unescapeQuery(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// installURL installs the global class URL of Pipy 0.x:
//
//	new URL(url, base?)   base: a string or a URL, used when url has no host
//
// Its instances have the read-only string properties href, protocol, auth,
// username, password, host, hostname, port, path, pathname, search, query,
// hash and origin (see parsedURL for how they differ from the WHATWG URL:
// port is filled in from the scheme, and path is pathname plus search), plus
// searchParams with get(name) (the first value or null), getAll(name), has(name)
// and toString(). toString() and toJSON() return href. A URL is parsed
// leniently, as Pipy does: it never throws for a malformed string.
func (m *modEnv) installURL() {
	const name = "URL"
	params := m.rt.NewObject()
	this := func(v goja.Value, fn string) []queryParam {
		return nativeOf[[]queryParam](m, v, fn, "a URL searchParams object")
	}
	m.method(params, "get", func(call goja.FunctionCall) goja.Value {
		ps := this(call.This, "URL.searchParams.get")
		n := argAt(call.Arguments, 0).String()
		for _, p := range ps {
			if p.name == n {
				return m.rt.ToValue(p.value)
			}
		}
		return goja.Null()
	})
	m.method(params, "getAll", func(call goja.FunctionCall) goja.Value {
		ps := this(call.This, "URL.searchParams.getAll")
		n := argAt(call.Arguments, 0).String()
		var vs []any
		for _, p := range ps {
			if p.name == n {
				vs = append(vs, p.value)
			}
		}
		return m.rt.NewArray(vs...)
	})
	m.method(params, "has", func(call goja.FunctionCall) goja.Value {
		ps := this(call.This, "URL.searchParams.has")
		n := argAt(call.Arguments, 0).String()
		for _, p := range ps {
			if p.name == n {
				return m.rt.ToValue(true)
			}
		}
		return m.rt.ToValue(false)
	})
	m.method(params, "toString", func(call goja.FunctionCall) goja.Value {
		ps := this(call.This, "URL.searchParams.toString")
		parts := make([]string, len(ps))
		for i, p := range ps {
			parts[i] = url.QueryEscape(p.name) + "=" + url.QueryEscape(p.value)
		}
		return m.rt.ToValue(strings.Join(parts, "&"))
	})

	setParts := func(o *goja.Object, v any) {
		u := v.(*parsedURL)
		for _, p := range []struct{ k, v string }{
			{"href", u.href}, {"protocol", u.protocol}, {"auth", u.auth},
			{"username", u.username}, {"password", u.password}, {"host", u.host},
			{"hostname", u.hostname}, {"port", u.port}, {"path", u.path},
			{"pathname", u.pathname}, {"search", u.search}, {"query", u.query},
			{"hash", u.hash}, {"origin", u.origin},
		} {
			m.constant(o, p.k, p.v)
		}
		m.constant(o, "searchParams", m.wrap(params, parseQuery(u.query)))
	}
	// The parts are own properties of each instance (not accessors on the
	// prototype) so that console.log and JSON.stringify show them.
	ctor, proto := m.classInit(name, func(args []goja.Value) any {
		raw := m.argString(args, 0, name, "url")
		base := ""
		if b := argAt(args, 1); !jsNullish(b) {
			if u, ok := m.native(b).(*parsedURL); ok {
				base = u.href
			} else if goja.IsString(b) {
				base = b.String()
			} else {
				m.typeError("%s: base must be a string or a URL", name)
			}
		}
		u := parsePipyURL(raw, base)
		return &u
	}, setParts)
	href := func(call goja.FunctionCall) goja.Value {
		return m.rt.ToValue(nativeOf[*parsedURL](m, call.This, "URL.toString", "a URL").href)
	}
	m.method(proto, "toString", href)
	m.method(proto, "toJSON", href)
	m.must(m.rt.Set(name, ctor))
}
