package http1

import (
	"net"
	"strings"
)

// AddForwarded records, as a proxy does before passing the request on, who
// sent it: the IP address of client is appended to X-Forwarded-For (to the
// last such field, after ", ", when the request already has one, as nginx's
// $proxy_add_x_forwarded_for; a new field otherwise), and X-Forwarded-Proto
// is set to proto ("http", "https") unless proto is empty. A nil client, or
// one with no IP address (a Unix socket), adds nothing to X-Forwarded-For.
//
// In a pipeline it is one line after decodeHttpRequest:
//
//	filter.OnMessageStart(func(s *pipeline.Stream, e *event.MessageStart) {
//		e.Head.(*http1.RequestHead).AddForwarded(s.Context().RemoteAddr, "http")
//	})
func (h *RequestHead) AddForwarded(client net.Addr, proto string) {
	if ip := addrIP(client); ip != "" {
		last := -1
		for i := range h.Headers {
			if equalFold(h.Headers[i].Name, "x-forwarded-for") {
				last = i
			}
		}
		if last >= 0 && strings.TrimSpace(h.Headers[last].Value) != "" {
			h.Headers[last].Value += ", " + ip
		} else if last >= 0 {
			h.Headers[last].Value = ip
		} else {
			h.Headers.Add("x-forwarded-for", ip)
		}
	}
	if proto != "" {
		h.Headers.Set("x-forwarded-proto", proto)
	}
}

// addrIP returns the IP address of a, without port or zone brackets, or ""
// when a has none.
func addrIP(a net.Addr) string {
	switch a := a.(type) {
	case nil:
		return ""
	case *net.TCPAddr:
		if a.IP == nil {
			return ""
		}
		return a.IP.String()
	case *net.UDPAddr:
		if a.IP == nil {
			return ""
		}
		return a.IP.String()
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil || net.ParseIP(host) == nil {
		return ""
	}
	return host
}
