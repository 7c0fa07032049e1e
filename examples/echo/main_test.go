package main

import (
	"context"
	"io"
	"net"
	"testing"

	"github.com/sluice-go/sluice/pipeline"
	"github.com/stretchr/testify/require"
)

func TestEchoServesWhatItGets(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- pipeline.Serve(ctx, ln, pipeline.New("echo")) }()
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	_, err = io.WriteString(c, "hello\n")
	require.NoError(t, err)
	c.(*net.TCPConn).CloseWrite()
	got, err := io.ReadAll(c)
	require.NoError(t, err)
	require.Equal(t, "hello\n", string(got))
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
}
