package script_test

import (
	"bufio"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/internal/testnet"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/sluice-go/sluice/script"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A script's path rule sees an absolute-form target in origin form, with
// its authority as Host: GET http://x/admin/secret hits the /admin rule.
func TestAbsoluteFormHitsPathRule(t *testing.T) {
	m := load(t, `
pipy()
.pipeline('in')
  .decodeHttpRequest()
  .replaceMessage(msg => msg.head.path.startsWith('/admin')
    ? new Message({ status: 403 }, 'denied')
    : new Message({ status: 200 }, msg.head.headers.host + ' ' + msg.head.path))
  .encodeHttpResponse()
`)
	w := newWorker(t)
	for target, want := range map[string]string{
		"http://x/admin/secret":   "denied",
		"http://x/a/%2e%2e/admin": "denied",
		"HTTP://X:80/ok?q=1":      "X:80 /ok?q=1",
		"/ok":                     "y /ok",
	} {
		s := w.start(find(t, m, "in"))
		s.input(event.FromString("GET " + target + " HTTP/1.1\r\nHost: y\r\n\r\n"))
		out := pipelinetest.DataString(s.out)
		assert.True(t, strings.HasSuffix(out, "\r\n\r\n"+want), "%s: got %q, want body %q", target, out, want)
		s.end()
	}
}

// rawUpstream hands the request head it reads on a connection to heads
// and answers with resp; a test makes one connection.
func rawUpstream(t *testing.T, resp string) (addr string, heads chan string) {
	heads = make(chan string, 1)
	up := testnet.Serve(t, func(c *net.TCPConn) {
		c.SetDeadline(time.Now().Add(10 * time.Second))
		r := bufio.NewReader(c)
		var head strings.Builder
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			head.WriteString(line)
			if line == "\r\n" {
				break
			}
		}
		heads <- head.String()
		io.WriteString(c, resp)
	})
	return up.Addr(), heads
}

// Through a script proxy, hop-by-hop fields go neither up nor down, and
// X-Forwarded-For / X-Forwarded-Proto are one line of script, appending to
// the list the client sent.
func TestProxyHopByHopAndForwarded(t *testing.T) {
	up, heads := rawUpstream(t, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nKeep-Alive: timeout=5\r\nConnection: x-up\r\nX-Up: 1\r\nX-Kept: 1\r\n\r\nok")
	m := load(t, `
pipy({ _target: '`+up+`' })
.listen(0)
  .decodeHttpRequest()
  .onMessageStart(({ head: { headers: h } }) => (h['x-forwarded-for'] = (h['x-forwarded-for'] ? h['x-forwarded-for'] + ', ' : '') + __inbound.remoteAddress, h['x-forwarded-proto'] = 'http'))
  .encodeHttpRequest()
  .connect(() => _target)
  .decodeHttpResponse()
  .encodeHttpResponse()
`, script.Options{ListenHost: "127.0.0.1"})
	c := dialListen(t, m)
	c.SetDeadline(time.Now().Add(10 * time.Second))
	_, err := io.WriteString(c, "GET http://example/p HTTP/1.1\r\nHost: example\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\n"+
		"Keep-Alive: timeout=9\r\nTE: trailers\r\nUpgrade: h2c\r\nProxy-Connection: keep-alive\r\nX-Forwarded-For: 1.2.3.4\r\nX-End: 1\r\n\r\n")
	require.NoError(t, err)
	var head string
	select {
	case head = <-heads:
	case <-time.After(10 * time.Second):
		t.Fatal("the upstream got no request")
	}
	lower := strings.ToLower(head)
	for _, gone := range []string{"x-hop", "keep-alive", "te:", "upgrade", "proxy-connection", "connection"} {
		assert.NotContains(t, lower, gone, "upstream got %q in %q", gone, head)
	}
	for _, kept := range []string{"GET /p HTTP/1.1\r\n", "host: example\r\n", "x-forwarded-for: 1.2.3.4, 127.0.0.1\r\n", "x-forwarded-proto: http\r\n", "x-end: 1\r\n"} {
		assert.Contains(t, head, kept, "upstream request lacks %q: %q", kept, head)
	}
	br := bufio.NewReader(c)
	var resp strings.Builder
	for !strings.HasSuffix(resp.String(), "\r\n\r\n") {
		line, err := br.ReadString('\n')
		require.NoError(t, err, "response so far %q", resp.String())
		resp.WriteString(line)
	}
	lower = strings.ToLower(resp.String())
	assert.Contains(t, lower, "x-kept: 1", "client got %q", resp.String())
	assert.NotContains(t, lower, "x-up", "client got %q", resp.String())
	assert.NotContains(t, lower, "keep-alive", "client got %q", resp.String())
}

// Body limits in a script: decodeHttpRequest({maxBodySize}) refuses a
// declared body over it, and a collecting filter's {maxBodySize} a body
// growing past it; both answer 413 and close.
func TestScriptBodyLimits(t *testing.T) {
	m := load(t, `
pipy()
.pipeline('decoder')
  .decodeHttpRequest({ maxBodySize: '1k' })
  .replaceMessage(() => new Message('fine'))
  .encodeHttpResponse()
.pipeline('collector')
  .decodeHttpRequest()
  .onMessage(() => {}, { maxBodySize: 1024 })
  .replaceMessageBody(b => b, { maxBodySize: '1k' })
  .replaceMessage(() => new Message('fine'))
  .encodeHttpResponse()
`)
	w := newWorker(t)
	for _, name := range []string{"decoder", "collector"} {
		for size, want := range map[int]string{1024: "HTTP/1.1 200 OK", 1025: "HTTP/1.1 413 Content Too Large"} {
			s := w.start(find(t, m, name))
			s.input(event.FromString("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: "+itoa(size)+"\r\n\r\n"),
				event.FromString(strings.Repeat("a", size)))
			out := pipelinetest.DataString(s.out)
			assert.True(t, strings.HasPrefix(out, want), "%s, %d bytes: got %q", name, size, out)
			if size > 1024 {
				assert.NotNil(t, sessionEnd(s.out), "%s, %d bytes: not closed: %s", name, size, pipelinetest.Dump(s.out))
				assert.Contains(t, strings.ToLower(out), "connection: close", "%s, %d bytes", name, size)
			}
			s.end()
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// mux takes the same body bound in its options.
func TestScriptMuxBodyLimit(t *testing.T) {
	m := load(t, `
pipy()
.pipeline('p')
  .mux('shared', () => 'k', { maxBodySize: 4 })
.pipeline('shared')
  .replaceMessage(msg => new Message('<' + msg.body.toString() + '>'))
`)
	h := pipelinetest.New(t, find(t, m, "p"))
	h.InputMessage(nil, "abcd")
	h.Advance(time.Second)
	msgs := h.Messages()
	require.Len(t, msgs, 1, "at the bound: %s", pipelinetest.Dump(h.Output()))
	require.Equal(t, "<abcd>", msgs[0].Body.String())
	h.InputMessage(nil, "abcde")
	se := h.SessionEnd()
	require.NotNil(t, se, "past the bound: %s", pipelinetest.Dump(h.Output()))
	require.Equal(t, event.BufferOverflow, se.Err, "past the bound: %s", pipelinetest.Dump(h.Output()))
}
