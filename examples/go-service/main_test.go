package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// serve runs the service for one test on 127.0.0.1:0 with one worker (so a
// call that blocked the worker would block every connection) and returns
// its base URL.
func serve(t *testing.T, db *DB) string {
	t.Helper()
	check := pipelinetest.LeakCheck(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	group := pipeline.NewGroup(1, pipeline.WorkerOptions{Logger: pipelinetest.TestLogger(t)})
	srv := pipeline.NewServer(Pipeline(db), group)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		http.DefaultClient.CloseIdleConnections()
		srv.Close()
		<-done
		group.Close()
		check()
	})
	return "http://" + ln.Addr().String()
}

func TestServiceAnswersJSON(t *testing.T) {
	url := serve(t, NewDB(0))
	res, err := http.Post(url+"/users", "application/json", strings.NewReader(`{"name":"ada"}`))
	require.NoError(t, err)
	var u User
	require.NoError(t, json.NewDecoder(res.Body).Decode(&u))
	res.Body.Close()
	assert.Equal(t, 201, res.StatusCode)
	assert.Equal(t, "application/json", res.Header.Get("Content-Type"))
	assert.Equal(t, User{ID: 1, Name: "ada"}, u)

	res, err = http.Get(url + "/users/1?fields=name")
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assert.Equal(t, 200, res.StatusCode)
	assert.JSONEq(t, `{"id":1,"name":"ada"}`, string(body))

	res, err = http.Get(url + "/users/2")
	require.NoError(t, err)
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	assert.Equal(t, 404, res.StatusCode)
	assert.JSONEq(t, `{"error":"no such user"}`, string(body))
}

// A call that blocks does not hold up other connections on the same worker.
func TestSlowCallDoesNotBlockTheWorker(t *testing.T) {
	db := NewDB(0)
	gate := make(chan struct{})
	entered := make(chan struct{})
	var first atomic.Bool
	fast := db.RoundTrip
	db.RoundTrip = func(ctx context.Context) error {
		if first.CompareAndSwap(false, true) { // the first call waits at the gate
			close(entered)
			select {
			case <-gate:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return fast(ctx)
	}
	url := serve(t, db)
	slow := make(chan int, 1)
	go func() {
		res, err := http.Post(url+"/users", "application/json", strings.NewReader(`{"name":"slow"}`))
		if err != nil {
			slow <- 0
			return
		}
		res.Body.Close()
		slow <- res.StatusCode
	}()
	<-entered                                                                       // the slow call is running
	client := &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second} // fails, not hangs, if the worker is blocked
	defer client.CloseIdleConnections()
	res, err := client.Post(url+"/users", "application/json", strings.NewReader(`{"name":"fast"}`))
	require.NoError(t, err, "answered while the other call blocks")
	res.Body.Close()
	assert.Equal(t, 201, res.StatusCode)
	close(gate)
	assert.Equal(t, 201, <-slow)
}
