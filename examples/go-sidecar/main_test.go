package main

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sidecar serves the sidecar for one test on 127.0.0.1:0, on one worker
// whose clock is the returned manual clock, and returns its base URL.
func sidecar(t *testing.T, o Options) (string, *pipelinetest.Clock) {
	t.Helper()
	check := pipelinetest.LeakCheck(t)
	clock := pipelinetest.NewClock()
	group := pipeline.NewGroup(1, pipeline.WorkerOptions{Clock: clock, Logger: pipelinetest.TestLogger(t)})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := pipeline.NewServer(Pipeline(o), group)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		<-done
		group.Close()
		check()
	})
	return "http://" + ln.Addr().String(), clock
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	res, err := client.Get(url)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, string(body)
}

func TestSidecarInjectsHeadersAndPools(t *testing.T) {
	var conns atomic.Int32
	service := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Header.Get("X-Sidecar")+" "+r.Header.Get("X-Forwarded-For"))
	}))
	service.Config.ConnState = func(c net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	service.Start()
	defer service.Close()
	url, _ := sidecar(t, Options{Upstream: service.Listener.Addr().String(), Name: "test", AnswerTimeout: time.Second})
	for range 3 {
		res, body := get(t, url+"/")
		assert.Equal(t, 200, res.StatusCode)
		assert.Equal(t, "test 127.0.0.1", body, "the service sees the injected headers")
		assert.Equal(t, "test", res.Header.Get("X-Sidecar"), "the client sees the answer's")
	}
	assert.Equal(t, int32(1), conns.Load(), "three requests, one after another, share one pooled connection")
}

func TestSidecarAnswers503WhenTheServiceIsDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	down := ln.Addr().String()
	ln.Close() // nothing listens there now
	url, _ := sidecar(t, Options{Upstream: down, Name: "test", AnswerTimeout: time.Second})
	res, _ := get(t, url+"/")
	assert.Equal(t, 503, res.StatusCode)
}

// The answer timeout runs on the worker's clock: the test moves it past the
// timeout once the service holds the request, and the client gets a 504
// without anyone waiting for a second of wall time.
func TestSidecarAnswers504WhenTheServiceIsSlow(t *testing.T) {
	got := make(chan struct{})
	release := make(chan struct{})
	service := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(got)
		<-release
	}))
	defer service.Close()
	defer close(release)
	url, clock := sidecar(t, Options{Upstream: service.Listener.Addr().String(), Name: "test", AnswerTimeout: 30 * time.Second})
	answer := make(chan int, 1)
	go func() {
		res, err := http.Get(url + "/")
		if err != nil {
			answer <- 0
			return
		}
		res.Body.Close()
		answer <- res.StatusCode
	}()
	<-got                              // the request is sent, so the answer timeout is armed
	clock.Advance(31*time.Second, nil) // fires it: the worker runs it as a task
	assert.Equal(t, 504, <-answer)
	http.DefaultClient.CloseIdleConnections()
}
