package filter_test

import (
	"bufio"
	"io"
	"net"
	"testing"
	"time"

	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/internal/testnet"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/stretchr/testify/require"
)

// greeter is an upstream whose server speaks first, as MySQL or SMTP do: it
// greets, then echoes lines until the client closes.
func greeter(c *net.TCPConn) {
	io.WriteString(c, "220 hello\n")
	io.Copy(c, c)
}

// TestConnectDialAtStart: with DialAtStart, a client that sends nothing
// still gets the upstream's greeting, relayed in the kernel (connect alone)
// and on the event path (an idle timeout keeps the bytes in events); then
// the conversation goes on both ways. Without it, the dial waits for the
// client.
func TestConnectDialAtStart(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  filter.ConnectOptions
		relay bool
	}{
		{"relay", filter.ConnectOptions{DialAtStart: true}, true},
		{"events", filter.ConnectOptions{DialAtStart: true, IdleTimeout: time.Hour}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leaks := netLeakBaseline(t)
			counts := relayCounts()
			up := testnet.Serve(t, greeter)
			addr, stop := serveListen(t, pipeline.New("proxy", filter.Connect(up.Addr(), tc.opts)), nil)
			c, err := net.Dial("tcp", addr)
			require.NoError(t, err)
			c.SetDeadline(time.Now().Add(20 * time.Second))
			r := bufio.NewReader(c)
			line, err := r.ReadString('\n')
			require.NoError(t, err, "the greeting comes before the client sends anything")
			require.Equal(t, "220 hello\n", line)
			_, err = io.WriteString(c, "EHLO x\n")
			require.NoError(t, err)
			line, err = r.ReadString('\n')
			require.NoError(t, err)
			require.Equal(t, "EHLO x\n", line)
			require.NoError(t, c.(*net.TCPConn).CloseWrite())
			rest, err := io.ReadAll(r)
			require.NoError(t, err)
			require.Empty(t, rest)
			c.Close()
			accepted, spliced := counts()
			if tc.relay {
				require.EqualValues(t, 1, spliced, "relayed in the kernel")
			} else {
				require.Zero(t, accepted, "not relayed")
			}
			stop()
			up.Close()
			leaks.check()
		})
	}
	t.Run("without, the dial waits for the client", func(t *testing.T) {
		up := testnet.Serve(t, greeter)
		addr, _ := serveListen(t, pipeline.New("proxy", filter.Connect(up.Addr(), filter.ConnectOptions{})), nil)
		silent, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		defer silent.Close()
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		defer c.Close()
		c.SetDeadline(time.Now().Add(20 * time.Second))
		_, err = io.WriteString(c, "x\n")
		require.NoError(t, err)
		line, err := bufio.NewReader(c).ReadString('\n')
		require.NoError(t, err)
		require.Equal(t, "220 hello\n", line, "the greeting, once the client spoke")
		require.EqualValues(t, 1, up.Accepted(), "the silent client's stream did not dial")
	})
}
