package pipeline_test

import (
	"io"
	"net"
	"strconv"
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// observer passes every event on and counts Data bytes, like a callback
// filter with a trivial callback.
type observer struct{}

func (observer) Info() pipeline.Info { return pipeline.Info{Name: "observer"} }
func (observer) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	return &observerInst{next: next}
}

type observerInst struct {
	next  pipeline.Target
	bytes int
}

func (o *observerInst) Input(evt event.Event) {
	if d, ok := evt.(*event.Data); ok {
		o.bytes += d.Len()
	}
	o.next.Input(evt)
}

func BenchmarkObserverChain10(b *testing.B) {
	filters := make([]pipeline.Filter, 10)
	for i := range filters {
		filters[i] = observer{}
	}
	w := pipeline.NewWorker(pipeline.WorkerOptions{})
	st := pipeline.NewStream(pipeline.New("chain", filters...), pipeline.NewContext(w), pipeline.Discard)
	d := event.FromString("0123456789abcdef")
	b.ReportAllocs()
	b.SetBytes(int64(d.Len()))
	for b.Loop() {
		st.Input(d)
	}
}

func BenchmarkTCPEchoServe(b *testing.B) {
	for _, size := range []int{64, 16 << 10} {
		b.Run(byteSize(size), func(b *testing.B) {
			g := pipeline.NewGroup(1, pipeline.WorkerOptions{})
			defer g.Close()
			srv := pipeline.NewServer(pipeline.New("echo"), g)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			go srv.Serve(ln)
			defer srv.Close()
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			msg := make([]byte, size)
			buf := make([]byte, size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Write(msg); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(c, buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func byteSize(n int) string {
	if n >= 1<<10 {
		return strconv.Itoa(n>>10) + "KiB"
	}
	return strconv.Itoa(n) + "B"
}
