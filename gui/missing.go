package gui

import (
	"errors"
	"regexp"
	"strconv"
	"strings"

	"github.com/dop251/goja/ast"
	"github.com/dop251/goja/parser"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/script"
)

// maxStubs bounds how many unknown pipeline names one graph stands in for.
const maxStubs = 32

var unknownName = regexp.MustCompile(`unknown pipeline ("(?:[^"\\]|\\.)*") in (.*)$`)

// stubMissing lets a script that names a pipeline it does not define be
// drawn: when err says that a filter of the script at path names an unknown
// pipeline, it returns the script with an empty pipeline of that name added
// at the end of the builder chain the filter is in, and the name.
func stubMissing(path, src string, err error) (patched, name string, ok bool) {
	var se *script.Error
	if !errors.Is(err, pipeline.ErrUnknownPipeline) || !errors.As(err, &se) || se.File != path || se.Line < 1 {
		return "", "", false
	}
	m := unknownName.FindStringSubmatch(err.Error())
	if m == nil || m[2] != path {
		return "", "", false // a name in another module
	}
	name, uerr := strconv.Unquote(m[1])
	if uerr != nil {
		return "", "", false
	}
	at := offset(src, se.Line, se.Column)
	prog, perr := parser.ParseFile(nil, path, src, 0)
	if perr != nil || at < 0 {
		return "", "", false
	}
	for _, st := range prog.Body {
		es, isExpr := st.(*ast.ExpressionStatement)
		if !isExpr {
			continue
		}
		from, to := int(es.Expression.Idx0())-1, int(es.Expression.Idx1())-1
		if at < from || at >= to || to > len(src) {
			continue
		}
		return src[:to] + ".pipeline(" + strconv.Quote(name) + ")" + src[to:], name, true
	}
	return "", "", false
}

// offset returns the byte offset of line and column (both from 1) in src,
// or -1.
func offset(src string, line, col int) int {
	at := 0
	for l := 1; l < line; l++ {
		i := strings.IndexByte(src[at:], '\n')
		if i < 0 {
			return -1
		}
		at += i + 1
	}
	return at + max(col-1, 0)
}

// markMissing sets Missing on the stand-ins of names in nodes' trees: the
// pipelines of those names that a filter starts.
func markMissing(nodes []*pipeline.GraphNode, names map[string]bool) {
	for _, n := range nodes {
		if n.Kind == "filter" {
			for _, p := range n.Nodes {
				if names[p.Name] && len(p.Nodes) == 0 && !p.Recursive {
					p.Missing = true
				}
			}
		}
		markMissing(n.Nodes, names)
	}
}
