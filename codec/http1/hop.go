package http1

// Hop-by-hop fields (RFC 9110 section 7.6.1) describe one connection, not
// the message: a proxy must not forward them. The decoders take them out of
// every head they emit, so that scripts and filters see only end-to-end
// fields and an encoder fed a decoded head never forwards them.

// stripHopByHop takes out of hs, in place, the fields that belong to the
// connection the head arrived on, and returns the shortened slice:
//
//   - the framing fields Content-Length and Transfer-Encoding (the decoder
//     frames the body; the encoders write their own), except the
//     Content-Length of an answer to HEAD or of a 304, which tells the size
//     of the representation and goes on, as nginx passes it;
//   - Keep-Alive, TE and Proxy-Connection;
//   - the fields the Connection fields name (other than the options close,
//     keep-alive and upgrade); Host is kept whatever they say, so a client
//     cannot take the authority out of its request;
//   - Connection and Upgrade, unless the head asks for (a request) or
//     makes (a 101 response) a protocol upgrade: a Connection field listing
//     "upgrade" and an Upgrade field. Then both are kept as they came, so
//     that a script sees the upgrade asked for and the encoders pass it on
//     (WebSocket through a proxy).
//
// What the Connection fields said about persistence is kept in the head's
// Connection (see ConnMode). Proxy-Authorization and Proxy-Authenticate are
// kept: the script is the proxy they are addressed to, and it consumes them
// (or passes them on to a parent proxy) as it decides (see the package
// documentation).
func (d *Decoder) stripHopByHop(hs Headers) Headers {
	f := &d.facts
	upgrading := f.connUpgrade && f.upgrade && (!d.response || d.line.status == 101)
	j := 0
	for i := range hs {
		if !d.hopByHop(hs, &hs[i], upgrading) {
			hs[j] = hs[i]
			j++
		}
	}
	clear(hs[j:])
	return hs[:j]
}

// hopByHop reports whether field h of hs is to be taken out (see
// stripHopByHop).
func (d *Decoder) hopByHop(hs Headers, h *Header, upgrading bool) bool {
	switch len(h.Name) {
	case 2:
		if h.Name == "te" {
			return true
		}
	case 7:
		if h.Name == "upgrade" {
			return !upgrading
		}
	case 10:
		switch h.Name {
		case "connection":
			return !upgrading
		case "keep-alive":
			return true
		}
	case 14:
		if h.Name == "content-length" {
			// In an answer to HEAD and in a 304 it gives the length of the
			// representation, not of this message: it is passed on.
			st := d.line.status
			return !d.response || st < 200 || !(st == 304 || d.method == "HEAD")
		}
	case 16:
		if h.Name == "proxy-connection" {
			return true
		}
	case 17:
		if h.Name == "transfer-encoding" {
			return true
		}
	}
	return d.facts.connNames && h.Name != "host" && namedByConnection(hs, h.Name)
}

// namedByConnection reports whether a Connection field of hs lists name as
// a connection option. Names are lower case in decoded heads; the options
// are compared without regard to case.
func namedByConnection(hs Headers, name string) bool {
	found := false
	for i := range hs {
		if hs[i].Name == "connection" {
			forEachToken(hs[i].Value, func(t string) {
				if equalFold(t, name) {
					found = true
				}
			})
		}
	}
	return found
}
