package filter_test

import (
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGroupCloseThenServerCloseLeavesNothing closes the workers' group
// under servers whose connections are connected upstream, dialing (a dial
// that completes only after the group stopped) and running a process, then
// closes the servers: Close returns, every client is answered with a
// closed connection, and no goroutine, descriptor or process is left.
func TestGroupCloseThenServerCloseLeavesNothing(t *testing.T) {
	leaks := netLeakBaseline(t)
	up, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var upConns sync.WaitGroup
	accepting := make(chan struct{}) // closed when the accept loop is done with upConns.Add
	go func() {
		defer close(accepting)
		for {
			c, err := up.Accept()
			if err != nil {
				return
			}
			upConns.Add(1)
			go func() {
				defer upConns.Done()
				io.Copy(c, c)
				c.Close()
			}()
		}
	}()
	dialing, release := make(chan struct{}, 1), make(chan struct{})
	late := dialerFunc(func(ctx context.Context, network, addr string) (net.Conn, error) {
		dialing <- struct{}{}
		<-release // ignores ctx: the connection comes after the group stopped
		return net.Dial(network, addr)
	})
	g := pipeline.NewGroup(2, pipeline.WorkerOptions{Logger: pipelinetest.TestLogger(t)})
	pipelines := []*pipeline.Pipeline{
		pipeline.New("connected", filter.Connect(up.Addr().String(), filter.ConnectOptions{})),
		pipeline.New("dialing", filter.Connect(up.Addr().String(), filter.ConnectOptions{Dialer: late})),
		pipeline.New("exec", filter.Exec("cat")),
	}
	var servers []*pipeline.Server
	var clients []net.Conn
	errc := make(chan error, len(pipelines))
	for i, p := range pipelines {
		srv := pipeline.NewServer(p, g)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		go func() { errc <- srv.Serve(ln) }()
		servers = append(servers, srv)
		c, err := net.Dial("tcp", ln.Addr().String())
		require.NoError(t, err)
		clients = append(clients, c)
		io.WriteString(c, "x")
		if p.Name == "dialing" {
			<-dialing
			continue
		}
		b := make([]byte, 1)
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, err = io.ReadFull(c, b)
		require.NoError(t, err, "pipeline %d answers", i)
	}
	g.Close()
	close(release)
	for _, srv := range servers {
		done := make(chan struct{})
		go func() {
			srv.Close()
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("Server.Close after Group.Close did not return")
		}
	}
	for range servers {
		require.ErrorIs(t, <-errc, pipeline.ErrServerClosed)
	}
	for _, c := range clients {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, err := io.ReadAll(c)
		assert.NoError(t, err, "closed by the server")
		c.Close()
	}
	up.Close()
	<-accepting // the late dial's connection may still be being accepted: Add before Wait
	upConns.Wait()
	leaks.check()
}
