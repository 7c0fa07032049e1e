package algo

import "strings"

// URLRouter maps URLs to values with the rules of Pipy's algo.URLRouter (the
// script package binds it for scripts). The zero value is an empty router.
//
// A pattern is "[host]/path". The path is either exact ("/echo" matches only
// "/echo") or a prefix ending in "/*" ("/hi/*" matches "/hi", "/hi/" and
// everything below "/hi/", segment by segment, not "/hit"); "/*" matches every
// path. The host is optional: "foo.com/bar/*" applies only to requests for
// foo.com, and its first label may be "*" ("*.foo.com/..."), which stands for
// exactly one label ("a.foo.com", not "foo.com" nor "a.b.foo.com"). Hosts are
// compared without case and without the port.
//
// Find picks, in this order: the patterns of the exact host, then those of
// the wildcard host, then the patterns without a host; within each, an exact
// path wins over prefixes and the longest matching prefix wins. The query
// string ("?...") is ignored. A URLRouter is not safe for concurrent use.
type URLRouter[V any] struct {
	root routeNode[V]
}

// routeNode is a node of the router tree: host labels, then "/", then path
// segments (or a whole exact path), each keyed by name.
type routeNode[V any] struct {
	children map[string]*routeNode[V]
	value    V
}

func (n *routeNode[V]) child(name string) *routeNode[V] {
	return n.children[name]
}

func (n *routeNode[V]) newChild(name string) *routeNode[V] {
	if c := n.children[name]; c != nil {
		return c
	}
	if n.children == nil {
		n.children = make(map[string]*routeNode[V])
	}
	c := &routeNode[V]{}
	n.children[name] = c
	return c
}

// Keys of the router tree that can never be a host label nor a path segment.
const (
	routePathKey = "/" // below a host: the start of its paths
	routeAnyKey  = "*" // a wildcard label or the end of a prefix pattern
)

// Add adds (or replaces) the route of pattern. It fails with
// ErrBadURLPattern for a pattern without a path or whose host has a port.
func (r *URLRouter[V]) Add(pattern string, v V) error {
	i := strings.IndexByte(pattern, '/')
	if i < 0 || strings.IndexByte(pattern[:i], ':') >= 0 {
		return ErrBadURLPattern
	}
	host, path := strings.ToLower(pattern[:i]), pattern[i:]
	n := &r.root
	if host != "" {
		for _, label := range strings.Split(host, ".") {
			n = n.newChild(label)
		}
	}
	n = n.newChild(routePathKey)
	if path == "/*" || strings.HasSuffix(path, "/*") {
		for _, seg := range strings.Split(path[1:], "/") {
			if seg != "" {
				n = n.newChild(seg)
			}
		}
		n.value = v
		return nil
	}
	n.newChild(path).value = v // exact paths are keyed whole, "/" first
	return nil
}

// Find returns the value routed for url ("host[:port]/path[?query]" or
// "/path"), and false when no route matches.
func (r *URLRouter[V]) Find(url string) (V, bool) {
	var zero V
	start := strings.IndexByte(url, '/')
	if start < 0 {
		return zero, false
	}
	path := url[start:]
	if q := strings.IndexByte(path, '?'); q >= 0 {
		path = path[:q]
	}
	host := url[:start]
	if c := strings.LastIndexByte(host, ':'); c >= 0 {
		host = host[:c]
	}
	host = strings.ToLower(host)

	var n *routeNode[V]
	if host != "" {
		n = r.findHost(&r.root, host, path)
		if n == nil {
			if dot := strings.IndexByte(host, '.'); dot >= 0 {
				if w := r.root.child(routeAnyKey); w != nil {
					n = r.findHost(w, host[dot+1:], path)
				}
			}
		}
	}
	if n == nil {
		if p := r.root.child(routePathKey); p != nil {
			n = findRoutePath(p, path)
		}
	}
	if n == nil {
		return zero, false
	}
	return n.value, true
}

// findHost follows the labels of host from n, then looks path up below them.
func (r *URLRouter[V]) findHost(n *routeNode[V], host, path string) *routeNode[V] {
	for label := range strings.SplitSeq(host, ".") {
		if n = n.child(label); n == nil {
			return nil
		}
	}
	if n = n.child(routePathKey); n == nil {
		return nil
	}
	return findRoutePath(n, path)
}

// findRoutePath looks path up below the path root n: the exact path first,
// then the longest prefix pattern.
func findRoutePath[V any](n *routeNode[V], path string) *routeNode[V] {
	if exact := n.child(path); exact != nil {
		return exact
	}
	return findRoutePrefix(n, path[1:])
}

// findRoutePrefix matches rest (a path without its leading slash) segment by
// segment below n and returns the deepest "*" node on the way.
func findRoutePrefix[V any](n *routeNode[V], rest string) *routeNode[V] {
	seg, tail, more := strings.Cut(rest, "/")
	if c := n.child(seg); c != nil && seg != "" {
		var found *routeNode[V]
		if !more || tail == "" {
			found = c.child(routeAnyKey)
		} else {
			found = findRoutePrefix(c, tail)
		}
		if found != nil {
			return found
		}
	}
	return n.child(routeAnyKey)
}

// JoinURL joins URL parts (host, path, ...) into the argument of Find as
// Pipy's URLRouter.find does with its arguments: empty leading parts are
// skipped and the rest are joined with exactly one slash between them.
func JoinURL(parts ...string) string {
	var b strings.Builder
	for i, p := range parts {
		if i == 0 || b.Len() == 0 {
			b.WriteString(p)
			continue
		}
		s := b.String()
		switch {
		case strings.HasSuffix(s, "/") && strings.HasPrefix(p, "/"):
			b.WriteString(p[1:])
		case strings.HasSuffix(s, "/") || strings.HasPrefix(p, "/"):
			b.WriteString(p)
		default:
			b.WriteByte('/')
			b.WriteString(p)
		}
	}
	return b.String()
}
