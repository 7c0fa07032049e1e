package pipeline

import (
	"strings"
	"unicode/utf8"
)

// Graph draws m's pipelines as text, in the layout Pipy prints at load time
// under "[config]": each listen and task pipeline, then each named pipeline
// that no other pipeline of m starts, as a column of its filters, with the
// pipelines a filter starts (link, demux, mux, use, fork) drawn beside it and
// arrows showing where their output goes back. It follows the links the
// module's Build found, so call it after Build. It returns one string per
// line.
func (m *Module) Graph() []string {
	var d drawing
	for _, p := range m.graphRoots() {
		d.add("["+graphTitle(p)+"]", nil)
		d.node(treeOf(p))
		d.add("", nil)
	}
	return d.lines
}

// graphRoots returns the pipelines a graph of m starts from: each listen and
// task pipeline, then each named pipeline that no other pipeline of m starts.
func (m *Module) graphRoots() []*Pipeline {
	started := map[*Pipeline]bool{}
	for _, p := range m.Pipelines {
		for _, l := range links(p) {
			started[l.p] = true
		}
	}
	var out []*Pipeline
	for _, p := range m.Pipelines {
		if p.Kind != Named {
			out = append(out, p)
		}
	}
	for _, p := range m.Pipelines {
		if p.Kind == Named && !started[p] {
			out = append(out, p)
		}
	}
	return out
}

// GraphNode is a node of the tree GraphTree returns: a pipeline (a root, or
// one started by the filter above it) with its filters as Nodes, or a filter
// with the pipelines it starts as Nodes.
type GraphNode struct {
	// Kind is "listen", "task" or "pipeline" for a root, "pipeline" for a
	// started pipeline, "filter" for a filter.
	Kind string `json:"kind"`
	// Name is a root's title ("Listen on :8080", "Task (once)", a named
	// pipeline's name), a started pipeline's name ("module:name" when it is
	// in another module), or a filter's name.
	Name string `json:"name"`
	// Fork marks a filter whose pipelines' output is dropped (fork).
	Fork bool `json:"fork,omitempty"`
	// Recursive marks a started pipeline that is already on the way down
	// from its root: it is not unfolded again.
	Recursive bool `json:"recursive,omitempty"`
	// Missing marks a pipeline that a filter names but nobody defines.
	// GraphTree never sets it, as a built module has no such name; a
	// program that draws a script whose unknown names it bound to empty
	// stand-ins marks them with it.
	Missing bool `json:"missing,omitempty"`
	// Nodes are a pipeline's filters, or the pipelines a filter starts.
	Nodes []*GraphNode `json:"nodes,omitempty"`
}

// GraphTree returns the graph Graph draws as data, for a program that draws
// it itself: one tree per root, in Graph's order.
func (m *Module) GraphTree() []*GraphNode {
	var out []*GraphNode
	for _, p := range m.graphRoots() {
		root := exportNode(treeOf(p))
		root.Name = graphTitle(p)
		switch p.Kind {
		case Listen:
			root.Kind = "listen"
		case Task:
			root.Kind = "task"
		}
		out = append(out, root)
	}
	return out
}

func exportNode(n *gnode) *GraphNode {
	g := &GraphNode{Kind: "filter", Name: n.name, Fork: n.kind == gFork}
	switch {
	case n.kind == gRoot || n.kind == gPipe:
		g.Kind = "pipeline"
	}
	if n.recursive != "" {
		g.Name, g.Recursive = n.recursive, true
	}
	for _, k := range n.kids {
		g.Nodes = append(g.Nodes, exportNode(k))
	}
	return g
}

// graphTitle names a root pipeline as Pipy does.
func graphTitle(p *Pipeline) string {
	switch p.Kind {
	case Listen:
		return "Listen on " + p.Addr
	case Task:
		if p.Interval > 0 {
			return "Task (every " + p.Interval.String() + ")"
		}
		return "Task (once)"
	}
	return p.Name
}

type gkind uint8

const (
	gRoot gkind = iota
	gPipe
	gFilter
	gLink // starts pipelines whose output comes back (link, demux, mux, use)
	gFork // starts pipelines whose output is dropped
)

// gnode is a node of the drawn tree: a root pipeline, a filter, or a
// pipeline started by the filter above it.
type gnode struct {
	kind      gkind
	name      string
	recursive string // the pipeline's name, when it is a "recursive pipeline" note
	parent    *gnode
	kids      []*gnode
}

func (n *gnode) add(kind gkind, name string) *gnode {
	k := &gnode{kind: kind, name: name, parent: n}
	n.kids = append(n.kids, k)
	return k
}

func (n *gnode) last() bool { return n.parent != nil && n.parent.kids[len(n.parent.kids)-1] == n }

// treeOf unfolds p and the pipelines its filters start into a tree. A
// pipeline already on the way down is drawn as a note, not unfolded again.
func treeOf(p *Pipeline) *gnode {
	root := &gnode{kind: gRoot, name: p.Name}
	var fill func(p *Pipeline, n *gnode, path []*Pipeline)
	fill = func(p *Pipeline, n *gnode, path []*Pipeline) {
		path = append(path, p)
		ls := links(p)
		for i, f := range p.Filters {
			name := f.Info().Name
			var targets []*Pipeline
			for _, l := range ls {
				if l.filter == i {
					targets = append(targets, l.p)
				}
			}
			if len(targets) == 0 {
				n.add(gFilter, name)
				continue
			}
			kind := gLink
			if name == "fork" {
				kind = gFork
			}
			fn := n.add(kind, name)
			for _, t := range targets {
				label := t.Name
				if t.Module != p.Module && t.Module != nil {
					label = t.Module.Name + ":" + t.Name
				}
				if inPath(path, t) {
					fn.add(gPipe, "recursive pipeline: "+label).recursive = label
					continue
				}
				fill(t, fn.add(gPipe, label), path)
			}
		}
	}
	fill(p, root, nil)
	return root
}

func inPath(path []*Pipeline, p *Pipeline) bool {
	for _, q := range path {
		if q == p {
			return true
		}
	}
	return false
}

// drawing collects the lines of a graph; exits[i] is the link node that
// line i's pipeline returns its output to (the line gets an arrow to it),
// or nil.
type drawing struct {
	lines []string
	exits []*gnode
}

func (d *drawing) add(line string, exit *gnode) {
	d.lines = append(d.lines, line)
	d.exits = append(d.exits, exit)
}

func width(s string) int { return utf8.RuneCountInString(s) }

// indent returns the margin of n's line: one column of "|" for every
// enclosing pipeline whose flow goes on below it.
func indent(n *gnode) string {
	var b string
	up := n.parent
	if n.kind == gPipe {
		up = n.parent.parent
		b = "  |--> "
	}
	for p := up; p != nil && p.kind != gRoot; p = p.parent.parent {
		if p.parent.kind != gFork && p.last() {
			b = "       " + b
		} else {
			b = "  |    " + b
		}
	}
	return "    " + b
}

// exitOf returns the link node that the output of n's pipeline goes back
// to, when n ends a pipeline (its last filter, or an empty pipeline).
func exitOf(n *gnode) *gnode {
	var pipe *gnode
	switch {
	case n.kind == gPipe && len(n.kids) == 0:
		pipe = n
	case n.kind == gFilter && n.last():
		pipe = n.parent
	default:
		return nil
	}
	exit := pipe.parent
	// A link that ends its own pipeline hands the output further up.
	for exit != nil && exit.kind == gLink && exit.parent.kind != gRoot && exit.last() {
		exit = exit.parent.parent
	}
	if exit == nil || exit.kind != gLink {
		return nil
	}
	return exit
}

func (d *drawing) node(n *gnode) {
	base := indent(n)
	line := base
	switch n.kind {
	case gRoot:
		d.add("----->|", nil)
		line += "  |"
	case gPipe:
		line += "[" + n.name + "]"
	default:
		line += " " + n.name
	}
	d.add(line, exitOf(n))
	for _, k := range n.kids {
		if n.kind == gLink || n.kind == gFork {
			d.add(base+"  |", nil)
		}
		d.node(k)
	}
	switch n.kind {
	case gLink:
		if n.parent.kind == gRoot || !n.last() {
			d.arrows(n, base)
		}
	case gFork:
		d.add(base+"  |", nil)
	case gRoot:
		if len(n.kids) == 0 || n.kids[len(n.kids)-1].kind != gLink {
			d.add("      |", nil)
			d.add("<-----|", nil)
		}
	}
}

// arrows draws the output of link node n's pipelines coming back: an arrow
// from each line that ends one of them to a column on the right, which
// leads back to n's own column below it (or out of the root pipeline).
func (d *drawing) arrows(n *gnode, base string) {
	end := len(d.lines) - 1
	start := end
	for i := end; i >= 0; i-- {
		if d.exits[i] == n {
			start = i
		}
	}
	right := 0
	for _, l := range d.lines[start:] {
		right = max(right, width(l))
	}
	for i := start; i <= end; i++ {
		pad := right - width(d.lines[i])
		if d.exits[i] == n {
			d.lines[i] += " " + strings.Repeat("-", pad) + "-->|"
		} else {
			d.lines[i] += strings.Repeat(" ", pad+4) + "|"
		}
	}
	gap := right - width(base) + 4
	d.add(base+strings.Repeat(" ", gap)+"|", nil)
	if n.parent.kind == gRoot && n.last() {
		d.add("<"+strings.Repeat("-", right+3)+"|", nil)
		return
	}
	d.add(base+strings.Repeat(" ", gap)+"v", nil)
	d.add(base+"  |<"+strings.Repeat("-", gap-3), nil)
	d.add(base+"  |", nil)
	d.add(base+"  v", nil)
}
