package http2_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluice-go/sluice/codec/http1"
	sh2 "github.com/sluice-go/sluice/codec/http2"
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/internal/testnet"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
)

// echo answers each request with "METHOD PATH PROTO scheme=S host=H\n" and
// the request's body (nothing for /hang), and echoes its trailers as the answer's.
func echo(s *pipeline.Stream, msg *event.Message, out pipeline.Target) {
	h := msg.Head.(*http1.RequestHead)
	if h.Path == "/hang" {
		return // no answer
	}
	scheme, _ := h.Field("scheme")
	body := fmt.Sprintf("%s %s %s scheme=%v host=%s\n", h.Method, h.Path, h.Protocol, scheme, h.Headers.Get("host"))
	if v := h.Headers.Get("x-status"); v != "" {
		out.Input(&event.MessageStart{Head: event.Fields{"status": v}})
	} else {
		out.Input(&event.MessageStart{Head: event.Fields{"status": 200, "headers": map[string]any{"x-echo": "1"}}})
	}
	out.Input(event.FromString(body))
	if msg.Body != nil {
		out.Input(msg.Body)
	}
	out.Input(&event.MessageEnd{Tail: msg.Tail})
}

// serve starts a listener whose pipeline is demuxHTTP to a pipeline of the
// given filters (echo when none) and returns its address and server.
func serve(t *testing.T, opts sh2.Options, filters ...pipeline.Filter) (string, *pipeline.Server) {
	t.Helper()
	return serveTLS(t, nil, opts, filters...)
}

// serveTLS is serve on a listener that terminates TLS with cfg (none when
// nil).
func serveTLS(t *testing.T, cfg *tls.Config, opts sh2.Options, filters ...pipeline.Filter) (string, *pipeline.Server) {
	t.Helper()
	if len(filters) == 0 {
		filters = []pipeline.Filter{filter.ReplaceMessage(echo)}
	}
	m := pipeline.NewModule("m")
	m.Pipeline("handler", filters...)
	front := m.Pipeline("front", sh2.DemuxHTTP(filter.To("handler"), opts))
	require.NoError(t, m.Build())
	return servePipeline(t, front, cfg)
}

// servePipeline serves p on 127.0.0.1, with TLS when cfg is not nil, until
// the test ends.
func servePipeline(t *testing.T, front *pipeline.Pipeline, cfg *tls.Config) (string, *pipeline.Server) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	g := pipeline.NewGroup(1, pipeline.WorkerOptions{Logger: pipelinetest.TestLogger(t)})
	srv := &pipeline.Server{Pipeline: front, Group: g, TLS: cfg}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		assert.ErrorIs(t, <-done, pipeline.ErrServerClosed)
		g.Close()
	})
	return ln.Addr().String(), srv
}

// h2cClient is Go's HTTP/2 client (net/http's bundled x/net/http2)
// speaking h2c with prior knowledge.
func h2cClient() *http.Client {
	var protos http.Protocols
	protos.SetUnencryptedHTTP2(true)
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{Protocols: &protos}}
}

// h2TLSTransport is Go's HTTP/2 client over TLS (h2 by ALPN only).
func h2TLSTransport(cfg *tls.Config) *http.Transport {
	var protos http.Protocols
	protos.SetHTTP2(true)
	return &http.Transport{TLSClientConfig: cfg, Protocols: &protos}
}

func TestH2CPriorKnowledgeAndHTTP1OnOneListener(t *testing.T) {
	addr, _ := serve(t, sh2.Options{})
	c := h2cClient()
	resp, err := c.Post("http://"+addr+"/a/b?q=1", "text/plain", strings.NewReader("body!"))
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 2, resp.ProtoMajor)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "1", resp.Header.Get("x-echo"))
	assert.Equal(t, "POST /a/b?q=1 HTTP/2 scheme=http host="+addr+"\nbody!", string(b))

	// HTTP/1.1 on the same listener
	resp, err = http.Get("http://" + addr + "/h1")
	require.NoError(t, err)
	b, err = io.ReadAll(resp.Body)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 1, resp.ProtoMajor)
	assert.Equal(t, "GET /h1 HTTP/1.1 scheme=http host="+addr+"\n", string(b))
}

func TestH2CTrailersAndStatus(t *testing.T) {
	addr, _ := serve(t, sh2.Options{})
	c := h2cClient()
	req, err := http.NewRequest("POST", "http://"+addr+"/t", io.NopCloser(strings.NewReader("x")))
	require.NoError(t, err)
	req.Header.Set("x-status", "201")
	req.Trailer = http.Header{"Grpc-Status": {"7"}}
	resp, err := c.Do(req)
	require.NoError(t, err)
	_, err = io.ReadAll(resp.Body)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 201, resp.StatusCode)
	assert.Equal(t, "7", resp.Trailer.Get("Grpc-Status"))
}

// TestH2CConcurrentStreamsLargeBodies sends 100 requests at once on one
// connection, each with a body larger than the initial windows, and checks
// every answer byte for byte: flow control works both ways.
func TestH2CConcurrentStreamsLargeBodies(t *testing.T) {
	addr, _ := serve(t, sh2.Options{})
	c := h2cClient()
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := bytes.Repeat([]byte{byte('a' + i%26)}, 100_000+i)
			resp, err := c.Post(fmt.Sprintf("http://%s/%d", addr, i), "x", bytes.NewReader(body))
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			got, err := io.ReadAll(resp.Body)
			if err != nil {
				errs <- err
				return
			}
			want := fmt.Sprintf("POST /%d HTTP/2 scheme=http host=%s\n%s", i, addr, body)
			if string(got) != want {
				errs <- fmt.Errorf("stream %d: got %d bytes, want %d", i, len(got), len(want))
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestCurlPriorKnowledge runs Debian's curl with --http2-prior-knowledge
// (skipped where curl is not installed or lacks HTTP/2).
func TestCurlPriorKnowledge(t *testing.T) {
	addr, _ := serve(t, sh2.Options{})
	assert.Equal(t, "POST /curl HTTP/2 scheme=http host="+addr+"\ndata|2", curlPost(t, "http://"+addr+"/curl"))
}

// curlPost POSTs "data" to url with curl --http2-prior-knowledge (or the
// flags given instead) and returns the answer's body and "|" and the HTTP
// version; it skips the test where curl is not installed or lacks HTTP/2.
func curlPost(t *testing.T, url string, flags ...string) string {
	t.Helper()
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("no curl")
	}
	if v, _ := exec.Command(curl, "--version").Output(); !strings.Contains(string(v), "HTTP2") {
		t.Skip("curl without HTTP/2")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if len(flags) == 0 {
		flags = []string{"--http2-prior-knowledge"}
	}
	args := append(append([]string{"-sS"}, flags...), "-d", "data", "-w", "|%{http_version}", url)
	out, err := exec.CommandContext(ctx, curl, args...).Output()
	require.NoError(t, err)
	return string(out)
}

// TestH2OverTLSByALPN: a TLS listener offering "h2" by ALPN serves Go's
// HTTP/2 client over TLS, and HTTP/1.1 to a client that asks for it.
func TestH2OverTLSByALPN(t *testing.T) {
	cert := testnet.NewCert(t, "sluice.test")
	addr, _ := serveTLS(t, &tls.Config{Certificates: []tls.Certificate{cert.TLS}, NextProtos: []string{"h2", "http/1.1"}}, sh2.Options{})
	ccfg := &tls.Config{RootCAs: cert.Pool, ServerName: "localhost"}
	for _, c := range []struct {
		rt    http.RoundTripper
		major int
		want  string
	}{
		// each its own config: the h2 transport adds "h2" to its NextProtos
		{h2TLSTransport(ccfg.Clone()), 2, "GET /tls HTTP/2 scheme=https host=" + addr + "\n"},
		{&http.Transport{TLSClientConfig: ccfg.Clone()}, 1, "GET /tls HTTP/1.1 scheme=https host=" + addr + "\n"},
	} {
		resp, err := (&http.Client{Transport: c.rt, Timeout: 30 * time.Second}).Get("https://" + addr + "/tls")
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, c.major, resp.ProtoMajor)
		assert.Equal(t, c.want, string(b))
	}
}

// TestH2CToHTTP1Upstream: requests that came over h2c go on over HTTP/1.1
// (encodeHttpRequest, connect, decodeHttpResponse) to a net/http server,
// and the answers come back over h2, bodies byte-exact.
func TestH2CToHTTP1Upstream(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("x-up-proto", r.Proto)
		fmt.Fprintf(w, "%s %s %s|", r.Method, r.URL.Path, r.Host)
		w.Write(b)
	}))
	defer up.Close()
	addr, _ := serve(t, sh2.Options{}, http1.EncodeRequest(nil),
		filter.Connect(strings.TrimPrefix(up.URL, "http://"), filter.ConnectOptions{}), http1.DecodeResponse())
	c := h2cClient()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := bytes.Repeat([]byte{'0' + byte(i%10)}, 70_000+i)
			resp, err := c.Post(fmt.Sprintf("http://%s/up/%d", addr, i), "x", bytes.NewReader(body))
			if !assert.NoError(t, err) {
				return
			}
			defer resp.Body.Close()
			got, err := io.ReadAll(resp.Body)
			assert.NoError(t, err)
			assert.Equal(t, "HTTP/1.1", resp.Header.Get("x-up-proto"))
			assert.Equal(t, fmt.Sprintf("POST /up/%d %s|%s", i, addr, body), string(got))
		}()
	}
	wg.Wait()
}

// streamEcho answers each request at once and sends back every Data as it
// comes, ending with a grpc-status trailer: a bidirectional stream.
type streamEcho struct{}

func (streamEcho) Info() pipeline.Info { return pipeline.Info{Name: "streamEcho"} }
func (streamEcho) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	return pipeline.TargetFunc(func(evt event.Event) {
		switch e := evt.(type) {
		case *event.MessageStart:
			next.Input(&event.MessageStart{Head: event.Fields{"status": 200, "headers": map[string]any{"content-type": "application/grpc"}}})
		case *event.Data:
			next.Input(e)
		case *event.MessageEnd:
			next.Input(&event.MessageEnd{Tail: map[string]any{"grpc-status": "0"}})
		case *event.SessionEnd:
			next.Input(e)
		}
	})
}

// TestH2CBidirectionalStreaming: each piece of a request body comes back
// before the next is sent (nothing waits for the whole message), as gRPC's
// bidi calls need, and the trailers end the answer.
func TestH2CBidirectionalStreaming(t *testing.T) {
	addr, _ := serve(t, sh2.Options{}, streamEcho{})
	pr, pw := io.Pipe()
	req, err := http.NewRequest("POST", "http://"+addr+"/bidi", pr)
	require.NoError(t, err)
	resp, err := h2cClient().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	buf := make([]byte, 64)
	for i := range 20 {
		msg := fmt.Sprintf("ping %d", i)
		_, err := io.WriteString(pw, msg)
		require.NoError(t, err)
		_, err = io.ReadFull(resp.Body, buf[:len(msg)])
		require.NoError(t, err)
		require.Equal(t, msg, string(buf[:len(msg)]))
	}
	require.NoError(t, pw.Close())
	rest, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Empty(t, rest)
	assert.Equal(t, "0", resp.Trailer.Get("grpc-status"))
}

// TestBodyEndsWithItsLastDATA: an answer whose end comes in the same batch
// as its body goes out as one DATA frame carrying END_STREAM, not the body
// and then an empty DATA to end it.
func TestBodyEndsWithItsLastDATA(t *testing.T) {
	addr, _ := serve(t, sh2.Options{})
	r := dialRaw(t, addr)
	r.get(1, "/one")
	var datas []*http2.DataFrame
	r.until("the end of the answer", func(f http2.Frame) bool {
		if d, ok := f.(*http2.DataFrame); ok && d.StreamID == 1 {
			datas = append(datas, d)
			return d.StreamEnded()
		}
		return false
	})
	require.Len(t, datas, 1)
	assert.Equal(t, "GET /one HTTP/2 scheme=http host=x\n", string(datas[0].Data()))
}
