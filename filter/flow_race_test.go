package filter_test

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/stretchr/testify/require"
)

type (
	auditedKey struct{}
	modeKey    struct{}
)

// TestForkWaitLinkConcurrently runs fork, wait and link together for 100
// concurrent clients on two workers (run it with -race). A fork audits each
// message on a goroutine of its own and posts the verdict back into the
// context; wait holds the messages until the first verdict; link then
// chooses "upper" or "echo" by the verdict.
func TestForkWaitLinkConcurrently(t *testing.T) {
	var audited atomic.Int64
	audit := flowFunc(func(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
		var body strings.Builder
		return pipeline.TargetFunc(func(evt event.Event) {
			switch e := evt.(type) {
			case *event.Data:
				body.WriteString(e.String())
			case *event.MessageEnd:
				text := body.String()
				body.Reset()
				go func() { // off the worker, as real audit work would be
					audited.Add(1)
					mode := "echo"
					if strings.HasPrefix(text, "u") {
						mode = "upper"
					}
					s.Post(func() {
						ctx := s.Context()
						if ctx.Value(modeKey{}) == nil {
							ctx.SetValue(modeKey{}, mode)
						}
						ctx.SetValue(auditedKey{}, true)
					})
				}()
			}
		})
	})
	m := pipeline.NewModule("race")
	m.Pipeline("audit", audit)
	m.Pipeline("upper", flowUpper())
	m.Pipeline("echo")
	m.Pipeline("front",
		flowLines(),
		filter.Fork(filter.To("audit"), nil),
		filter.Wait(func(s *pipeline.Stream) bool { return s.Context().Value(auditedKey{}) != nil }),
		filter.Link(
			filter.LinkTarget{Ref: filter.To("upper"), When: func(s *pipeline.Stream) bool { return s.Context().Value(modeKey{}) == "upper" }},
			filter.LinkTarget{Ref: filter.To("echo")},
		),
		flowUnlines(),
	)
	flowBuild(t, m)
	addr := flowServe(t, m.Find("front"), 2)

	const clients, perClient = 100, 10
	lines := func(i int) []string {
		prefix := "e"
		if i%2 == 0 {
			prefix = "u"
		}
		var l []string
		for j := range perClient {
			l = append(l, fmt.Sprintf("%s-client-%d-line-%d", prefix, i, j))
		}
		return l
	}
	flowClients(t, addr, clients, lines, func(i int) []string {
		w := lines(i)
		if i%2 == 0 {
			for j := range w {
				w[j] = strings.ToUpper(w[j])
			}
		}
		return w
	})
	require.Positive(t, audited.Load())
}
