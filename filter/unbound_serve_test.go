package filter_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// serveResult runs serve and returns its error, or fails t when it is still
// serving after a few seconds (a server that took the pipeline as it is).
func serveResult(t *testing.T, serve func() error, stop func()) error {
	t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- serve() }()
	select {
	case err := <-errc:
		return err
	case <-time.After(5 * time.Second):
		stop()
		<-errc
		t.Fatal("served a pipeline with an unbound reference instead of failing")
		return nil
	}
}

// A pipeline whose filter names another pipeline, served outside a module,
// fails when served, naming what is unbound, instead of failing every
// request.
func TestServeRejectsUnboundReference(t *testing.T) {
	check := pipelinetest.LeakCheck(t)
	defer check()
	inner := pipeline.New("inner", filter.Link(filter.LinkTarget{Ref: filter.To("backend")}))
	p := pipeline.New("front", filter.Fork(filter.ToPipeline(inner), nil))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := pipeline.NewServer(p, nil)
	err = serveResult(t, func() error { return srv.Serve(ln) }, func() { srv.Close() })
	assert.ErrorIs(t, err, pipeline.ErrUnbound)
	assert.ErrorContains(t, err, `"backend"`)
	assert.ErrorContains(t, err, "inner")
	srv.Close()

	ln, err = net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	err = serveResult(t, func() error { return pipeline.Serve(ctx, ln, p) }, cancel)
	assert.ErrorIs(t, err, pipeline.ErrUnbound)
}

// Once the module holding the pipelines is built, the same shape serves.
func TestServeAcceptsBoundReference(t *testing.T) {
	m := pipeline.NewModule("m")
	m.Pipeline("backend", filter.Dummy())
	front := m.Pipeline("front", filter.Link(filter.LinkTarget{Ref: filter.To("backend")}))
	require.NoError(t, m.Build())
	require.NoError(t, pipeline.CheckBound(front))
}

// A module's pipeline may start a pipeline given directly, from outside the
// module; if that one names a pipeline never resolved, Start fails with the
// name instead of every request failing.
func TestStartRejectsUnboundReferenceOutsideTheModule(t *testing.T) {
	outside := pipeline.New("outside", filter.Link(filter.LinkTarget{Ref: filter.To("backend")}))
	m := pipeline.NewModule("m")
	m.Listen("127.0.0.1:0", pipeline.ListenOptions{}, filter.Link(filter.LinkTarget{Ref: filter.ToPipeline(outside)}))
	pr, err := pipeline.Start(m, pipeline.StartOptions{Workers: 1})
	if err == nil {
		pr.Close()
	}
	assert.ErrorIs(t, err, pipeline.ErrUnbound)
	assert.ErrorContains(t, err, `"backend"`)
}
