package pipeline

import (
	"fmt"
	"net"
)

// ListenConflictError reports two listen pipelines of a module whose
// addresses would take the same port: the same address, or the same port
// where either host is every interface (":8080", "0.0.0.0:8080", "[::]:8080").
// Port 0 (any free port) never conflicts. It wraps ErrListenConflict.
type ListenConflictError struct {
	// First and Second are the pipelines, in declaration order.
	First, Second *Pipeline
}

// Error says which address is listened on twice.
func (e *ListenConflictError) Error() string {
	if e.First.Addr == e.Second.Addr {
		return fmt.Sprintf("%s is listened on twice", e.Second.Addr)
	}
	return fmt.Sprintf("%s is listened on twice (also as %s)", e.Second.Addr, e.First.Addr)
}

// Unwrap returns ErrListenConflict.
func (e *ListenConflictError) Unwrap() error { return ErrListenConflict }

// checkListens returns a *ListenConflictError for the first two listen
// pipelines of m that would take the same port, or nil.
func (m *Module) checkListens() error {
	var seen []*Pipeline
	for _, p := range m.Pipelines {
		if p.Kind != Listen {
			continue
		}
		for _, q := range seen {
			if addrsConflict(q.Addr, p.Addr) {
				return &ListenConflictError{First: q, Second: p}
			}
		}
		seen = append(seen, p)
	}
	return nil
}

// addrsConflict reports whether binding both a and b would fail (or, with
// SO_REUSEPORT, share a port by accident).
func addrsConflict(a, b string) bool {
	ha, pa, errA := net.SplitHostPort(a)
	hb, pb, errB := net.SplitHostPort(b)
	if errA != nil || errB != nil {
		return a == b
	}
	if pa != pb || pa == "0" {
		return false
	}
	return ha == hb || anyHost(ha) || anyHost(hb)
}

func anyHost(h string) bool {
	if h == "" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsUnspecified()
}
