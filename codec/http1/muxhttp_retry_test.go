package http1_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/codec/http1"
)

// scriptedUpstream reads requests on each connection it accepts and lets
// answer say, for the reqIndex-th request of the connIndex-th connection,
// what to write back and whether to close after it ("" and true: close
// without a word). It logs "METHOD /path" of every request it read.
type scriptedUpstream struct {
	mu   sync.Mutex
	seen []string
	conn int
}

func startScripted(t *testing.T, answer func(connIndex, reqIndex int, r *http.Request) (string, bool)) (*scriptedUpstream, string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	u := &scriptedUpstream{}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u.mu.Lock()
			ci := u.conn
			u.conn++
			u.mu.Unlock()
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for ri := 0; ; ri++ {
					r, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					io.Copy(io.Discard, r.Body)
					u.mu.Lock()
					u.seen = append(u.seen, r.Method+" "+r.URL.Path)
					u.mu.Unlock()
					a, closeAfter := answer(ci, ri, r)
					if _, err := io.WriteString(c, a); err != nil || closeAfter {
						return
					}
				}
			}()
		}
	}()
	return u, ln.Addr().String()
}

func (u *scriptedUpstream) count(req string) (n int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, s := range u.seen {
		if s == req {
			n++
		}
	}
	return n
}

// TestMuxHTTPRetryRules: the second request of a client connection goes
// on the pooled connection the first one used, which the upstream then
// fails. Only an idempotent request that got no byte of answer is sent
// again (on a new connection); a POST, or a GET whose answer had started,
// reaches the upstream exactly once.
func TestMuxHTTPRetryRules(t *testing.T) {
	const ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
	for _, tc := range []struct {
		name    string
		second  string // the raw second request
		seen    string
		fail    string // what the upstream does to the second request on the first connection
		times   int    // how often the upstream sees the second request
		status  int    // the answer the client gets; 0: a cut answer or a close
		retried bool
	}{
		{"GET closed before answering", "GET /b HTTP/1.1\r\nHost: x\r\n\r\n", "GET /b", "", 2, 200, true},
		{"POST closed before answering", "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc", "POST /b", "", 1, 502, false},
		{"GET cut mid-answer", "GET /b HTTP/1.1\r\nHost: x\r\n\r\n", "GET /b", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial", 1, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			up, addr := startScripted(t, func(ci, ri int, r *http.Request) (string, bool) {
				if ci == 0 && ri == 1 {
					return tc.fail, true
				}
				return ok, false
			})
			_, retried0 := http1.PoolCounts()
			proxy := serveProxy(t, http1.MuxHTTP(addr, http1.MuxHTTPOptions{MaxConns: 1}))
			c, err := net.Dial("tcp", proxy)
			require.NoError(t, err)
			defer c.Close()
			c.SetDeadline(time.Now().Add(20 * time.Second))
			br := bufio.NewReader(c)
			io.WriteString(c, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
			resp, err := http.ReadResponse(br, nil)
			require.NoError(t, err)
			b, _ := io.ReadAll(resp.Body)
			require.Equal(t, "ok", string(b))

			io.WriteString(c, tc.second)
			resp, err = http.ReadResponse(br, nil)
			if tc.status != 0 {
				require.NoError(t, err)
				b, _ = io.ReadAll(resp.Body)
				require.Equal(t, tc.status, resp.StatusCode, "%s", b)
				if tc.status == 200 {
					require.Equal(t, "ok", string(b))
				}
			} else if err == nil {
				b, err = io.ReadAll(resp.Body)
				require.True(t, err != nil || resp.StatusCode != 200, "a cut answer is never passed off as whole: %d %q", resp.StatusCode, b)
			}
			require.Equal(t, 1, up.count("GET /a"))
			require.Equal(t, tc.times, up.count(tc.seen), "upstream saw %v", up.seen)
			_, retried := http1.PoolCounts()
			require.Equal(t, tc.retried, retried > retried0)
		})
	}
}
