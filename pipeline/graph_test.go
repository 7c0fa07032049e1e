package pipeline_test

import (
	"strings"
	"testing"
	"time"

	"github.com/sluice-go/sluice/pipeline"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// starts is a test filter called name that starts streams of the pipelines
// it names (a Binder, as link and fork are).
type starts struct {
	name    string
	targets []string
}

func (f *starts) Info() pipeline.Info { return pipeline.Info{Name: f.name} }
func (f *starts) Bind(r pipeline.Resolver) error {
	for _, t := range f.targets {
		if _, err := r.Pipeline("", t); err != nil {
			return err
		}
	}
	return nil
}
func (f *starts) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target { return next }

func plain(name string) pipeline.Filter { return &starts{name: name} }

func TestGraphDrawsPipelinesAsPipyDoes(t *testing.T) {
	m := pipeline.NewModule("main.js")
	m.Listen(":8080", pipeline.ListenOptions{},
		plain("decodeHttpRequest"), &starts{"demux", []string{"req"}}, plain("encodeHttpResponse"))
	m.Pipeline("req", &starts{"fork", []string{"log"}}, &starts{"link", []string{"a", "b"}}, plain("dump"))
	m.Pipeline("a", plain("connect"))
	m.Pipeline("b")
	m.Pipeline("log", plain("dummy"))
	m.Pipeline("lonely", plain("dummy"))
	m.Task(time.Second, plain("print"))
	require.NoError(t, m.Build())
	want := `
[Listen on :8080]
----->|
      |
     decodeHttpRequest
     demux
      |
      |--> [req]
            fork
             |
             |--> [log]
             |     dummy
             |
            link
             |
             |--> [a]
             |     connect -->|
             |                |
             |--> [b] ------->|
                              |
                              v
             |<----------------
             |
             v
            dump -->|
                    |
                    v
      |<-------------
      |
      v
     encodeHttpResponse
      |
<-----|

[Task (every 1s)]
----->|
      |
     print
      |
<-----|

[lonely]
----->|
      |
     dummy
      |
<-----|

`
	assert.Equal(t, strings.TrimPrefix(want, "\n"), strings.Join(m.Graph(), "\n")+"\n")
}

func TestGraphOfALinkEndingTheRootPipeline(t *testing.T) {
	m := pipeline.NewModule("main.js")
	m.Listen(":80", pipeline.ListenOptions{}, plain("decodeHttpRequest"), &starts{"link", []string{"up"}})
	m.Pipeline("up", plain("connect"))
	require.NoError(t, m.Build())
	want := `
[Listen on :80]
----->|
      |
     decodeHttpRequest
     link
      |
      |--> [up]
            connect -->|
                       |
<----------------------|

`
	assert.Equal(t, strings.TrimPrefix(want, "\n"), strings.Join(m.Graph(), "\n")+"\n")
}

// linksTo is a test filter that starts the pipelines it holds (a Linker, as
// a bound link is), so a module may be drawn without Build.
type linksTo struct {
	name    string
	targets []*pipeline.Pipeline
}

func (f *linksTo) Info() pipeline.Info                                          { return pipeline.Info{Name: f.name} }
func (f *linksTo) Targets() []*pipeline.Pipeline                                { return f.targets }
func (f *linksTo) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target { return next }

func TestGraphTreeGivesTheDrawnGraphAsData(t *testing.T) {
	m := pipeline.NewModule("main.js")
	a := m.Pipeline("a")
	b := m.Pipeline("b", plain("dummy"))
	lnk := &linksTo{name: "link", targets: []*pipeline.Pipeline{b}}
	a.Filters = []pipeline.Filter{lnk}
	b.Filters = append(b.Filters, &linksTo{name: "fork", targets: []*pipeline.Pipeline{a}})
	m.Listen(":8080", pipeline.ListenOptions{}, plain("decodeHttpRequest"), &linksTo{name: "demux", targets: []*pipeline.Pipeline{a}})
	m.Task(0, plain("print"))
	m.Pipeline("lonely")

	tree := m.GraphTree()
	require.Len(t, tree, 3)
	assert.Equal(t, &pipeline.GraphNode{Kind: "listen", Name: "Listen on :8080", Nodes: []*pipeline.GraphNode{
		{Kind: "filter", Name: "decodeHttpRequest"},
		{Kind: "filter", Name: "demux", Nodes: []*pipeline.GraphNode{
			{Kind: "pipeline", Name: "a", Nodes: []*pipeline.GraphNode{
				{Kind: "filter", Name: "link", Nodes: []*pipeline.GraphNode{
					{Kind: "pipeline", Name: "b", Nodes: []*pipeline.GraphNode{
						{Kind: "filter", Name: "dummy"},
						{Kind: "filter", Name: "fork", Fork: true, Nodes: []*pipeline.GraphNode{
							{Kind: "pipeline", Name: "a", Recursive: true},
						}},
					}},
				}},
			}},
		}},
	}}, tree[0])
	assert.Equal(t, &pipeline.GraphNode{Kind: "task", Name: "Task (once)", Nodes: []*pipeline.GraphNode{{Kind: "filter", Name: "print"}}}, tree[1])
	assert.Equal(t, &pipeline.GraphNode{Kind: "pipeline", Name: "lonely"}, tree[2])
}
