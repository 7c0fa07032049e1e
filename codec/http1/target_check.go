package http1

import "fmt"

// CheckTarget checks the request target of a request that did not come as
// an HTTP/1 request line (HTTP/2's :path, say) by the rules the request
// decoder applies, and returns it as decoded requests show it:
// percent-encoded unreserved characters decoded and dot segments resolved
// in an origin-form path, the query as it came. It refuses, with an error
// wrapping ErrMalformed, bytes a target may not hold (controls, space,
// bytes above 0x7e), a path that climbs above "/", a malformed
// percent-encoding, and a form the method does not take ("*" is for
// OPTIONS, authority-form for CONNECT). An absolute-form target comes back
// in origin form with its authority as host ("" otherwise).
func CheckTarget(method, target string) (path, host string, err error) {
	t := []byte(target)
	if len(t) == 0 {
		return "", "", fmt.Errorf("%w: empty request target", ErrMalformed)
	}
	if k := firstBadTargetByte(t); k >= 0 {
		return "", "", fmt.Errorf("%w: invalid byte in request target at %d", ErrMalformed, k)
	}
	info, bad, msg := parseTarget([]byte(method), t)
	if bad >= 0 {
		return "", "", fmt.Errorf("%w: %s at %d", ErrMalformed, msg, bad)
	}
	path = target
	if info.path != "" {
		path = info.path
	}
	return path, info.host, nil
}
