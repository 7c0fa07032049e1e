//go:build unix

package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lines delivers what is written to the returned writer, line by line.
func lines(t *testing.T) (io.WriteCloser, <-chan string) {
	pr, pw := io.Pipe()
	ch := make(chan string, 1024)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			ch <- sc.Text()
		}
		io.Copy(io.Discard, pr)
	}()
	t.Cleanup(func() { pw.Close() })
	return pw, ch
}

// until returns the lines read from ch up to the first matching pattern.
func until(t *testing.T, ch <-chan string, pattern string) []string {
	t.Helper()
	re := regexp.MustCompile(pattern)
	var seen []string
	deadline := time.After(20 * time.Second)
	for {
		select {
		case l, ok := <-ch:
			if !ok {
				t.Fatalf("output ended before a line matching %q:\n%s", pattern, strings.Join(seen, "\n"))
			}
			seen = append(seen, l)
			if re.MatchString(l) {
				return seen
			}
		case <-deadline:
			t.Fatalf("no line matching %q:\n%s", pattern, strings.Join(seen, "\n"))
		}
	}
}

func TestSIGTSTPPrintsTheStatusAndKeepsServing(t *testing.T) {
	path := writeScript(t, `
pipy()
.listen('127.0.0.1:0')
  .decodeHttpRequest()
  .demux('answer')
  .encodeHttpResponse()
.pipeline('answer')
  .replaceMessage(new Message('hi\n'))
`)
	stdout, outLines := lines(t)
	stderr, errLines := lines(t)
	sig := make(chan os.Signal, 1)
	done := make(chan int, 1)
	go func() { done <- run([]string{path}, stdout, stderr, sig) }()
	seen := until(t, errLines, `msg=listening`)
	addr := regexp.MustCompile(`addr=(\S+)`).FindStringSubmatch(seen[len(seen)-1])
	require.NotNil(t, addr)

	// One connection stays open (half a request), one request is answered.
	open, err := net.Dial("tcp", addr[1])
	require.NoError(t, err)
	defer open.Close()
	io.WriteString(open, "GET / HTTP/1.1\r\nHost: x\r\n")
	get := func() string {
		t.Helper()
		res, err := http.Get("http://" + addr[1] + "/")
		require.NoError(t, err)
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return string(b)
	}
	assert.Equal(t, "hi\n", get())
	http.DefaultClient.CloseIdleConnections()

	// The answered connection's end reaches the server on its own time: ask
	// again until the table shows it gone.
	var table string
	for range 100 {
		sig <- syscall.SIGTSTP
		until(t, outLines, `^PIPELINE +#ALLOCATED +#ACTIVE$`)
		table = strings.Join(until(t, outLines, `^OUTBOUND`), "\n")
		if strings.Contains(table, "\nTOTAL              1\n") && regexp.MustCompile(`\[127\.0\.0\.1:0\] +2 +1\n`).MatchString(table) {
			break
		}
	}
	assert.Regexp(t, `\n  \S*main\.js \[127\.0\.0\.1:0\] +2 +1\n`, table, "two connections served, one open")
	assert.Regexp(t, `\n  \S*main\.js \[answer\] +1 +0\n`, table)
	assert.Regexp(t, `\nINBOUND +#CONNECTIONS\n-+\n  `+regexp.QuoteMeta(addr[1])+` +1\nTOTAL +1\n`, table)
	until(t, errLines, `level=INFO msg="received SIGTSTP`)

	assert.Equal(t, "hi\n", get(), "still serving")
	http.DefaultClient.CloseIdleConnections()
	open.Close()
	sig <- syscall.SIGTERM
	select {
	case code := <-done:
		assert.Equal(t, 0, code)
	case <-time.After(20 * time.Second):
		t.Fatal("sluice did not exit after SIGTERM")
	}
}
