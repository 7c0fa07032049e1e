package gui

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// keepAlive is how often an idle log stream sends a comment, so that proxies
// and the browser keep it open.
const keepAlive = 15 * time.Second

// sinceOf reads the first log index a request wants: ?since=N, or the
// Last-Event-ID header of a reconnecting event stream (the index after it).
func sinceOf(r *http.Request) (int, error) {
	if v := r.URL.Query().Get("since"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("%w: since=%q is not a line index", ErrBadRequest, v)
		}
		return n, nil
	}
	if v := r.Header.Get("Last-Event-ID"); v != "" {
		n, err := strconv.Atoi(v)
		if err == nil && n >= 0 {
			return n + 1, nil
		}
	}
	return 0, nil
}

func (s *Server) getLog(w http.ResponseWriter, r *http.Request) {
	n, err := sinceOf(r)
	if err != nil {
		fail(w, err)
		return
	}
	lines, _ := s.log.Since(n)
	if lines == nil {
		lines = []Line{}
	}
	reply(w, http.StatusOK, map[string]any{"lines": lines})
}

// streamLog sends the log's lines (from ?since=N, or the Last-Event-ID's
// next, or from the start of what is kept) and then each new one, as
// Server-Sent Events whose id is the line's index, until the client goes.
func (s *Server) streamLog(w http.ResponseWriter, r *http.Request) {
	n, err := sinceOf(r)
	if err != nil {
		fail(w, err)
		return
	}
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	tick := time.NewTicker(keepAlive)
	defer tick.Stop()
	for {
		lines, changed := s.log.Since(n)
		for _, l := range lines {
			b, _ := json.Marshal(l)
			if _, err := fmt.Fprintf(w, "id: %d\ndata: %s\n\n", l.Index, b); err != nil {
				return
			}
			n = l.Index + 1
		}
		if err := rc.Flush(); err != nil {
			return
		}
		select {
		case <-changed:
		case <-tick.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return
			}
		case <-r.Context().Done():
			return
		}
	}
}
