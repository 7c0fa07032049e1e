package script

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/dop251/goja"
)

// maxXMLDepth bounds the nesting XML.stringify follows, so that a node that
// contains itself is an error instead of a stack overflow.
const maxXMLDepth = 1000

// installXML installs the global XML of Pipy 0.x:
//
//	XML.parse(string)          → the document node, or null when the text is not
//	                             well-formed XML
//	XML.decode(data)           the same for a Data
//	XML.stringify(node, space?) → a string; XML.encode(node, space?) → Data
//	new XML.Node(name, attributes?, children?)
//
// A node is { name, attributes, children }: attributes an object of strings,
// children an array of nodes and strings (text). XML.parse returns a document
// node, named "", whose only child is the root element; text made only of
// white space is dropped, adjacent text (including CDATA) is joined, and
// comments, processing instructions and the DOCTYPE are dropped. Prefixed
// names keep their prefix ("soap:Body"). The standard entities and character
// references are decoded; other entities are an error (so no entity
// expansion attack is possible).
//
// stringify writes the XML declaration and the root element. As in Pipy,
// node is taken as a document: a node (whatever its name) whose only child
// is an element has that child written, and a node named "" that does not
// hold exactly one element (text of white space aside) gives "". Beyond
// Pipy, which gives "" for them too, a named node with any other children is
// written itself, so an element can be given directly. space (0 to 10)
// indents. Differences from Pipy: attribute values and text are escaped
// (Pipy writes them raw, which yields broken XML for "<" or "&"), an element
// without attributes has attributes {} rather than null, adjacent text is
// one string where Pipy has a string per piece the parser saw (text, each
// entity, each CDATA section), and a node that cannot be written (a bad
// name, children that are not an array, nesting too deep) throws a
// TypeError.
func (m *modEnv) installXML() {
	x := m.global("XML")
	nodeCtor := m.rt.ToValue(func(call goja.ConstructorCall) *goja.Object {
		name := m.argString(call.Arguments, 0, "XML.Node", "name")
		attrs := m.argObject(call.Arguments, 1, "XML.Node", "attributes", true)
		if attrs == nil {
			attrs = m.rt.NewObject()
		}
		children := m.rt.NewArray()
		if c := argAt(call.Arguments, 2); !jsNullish(c) {
			o, ok := c.(*goja.Object)
			if !ok || o.ClassName() != "Array" {
				m.typeError("XML.Node: children must be an array")
			}
			children = o
		}
		return m.newXMLNode(name, attrs, children)
	}).(*goja.Object)
	m.must(nodeCtor.DefineDataProperty("name", m.rt.ToValue("Node"), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE))
	m.xmlNodeProto = nodeCtor.Get("prototype").ToObject(m.rt)
	m.must(x.Set("Node", nodeCtor))

	m.method(x, "parse", func(call goja.FunctionCall) goja.Value {
		return m.parseXML(m.argString(call.Arguments, 0, "XML.parse", "text"))
	})
	m.method(x, "decode", func(call goja.FunctionCall) goja.Value {
		d, ok := m.dataOf(argAt(call.Arguments, 0))
		if !ok {
			m.typeError("XML.decode: data must be a Data object or a string")
		}
		return m.parseXML(d.String())
	})
	m.method(x, "stringify", func(call goja.FunctionCall) goja.Value {
		return m.rt.ToValue(m.stringifyXML(call.Arguments, "XML.stringify"))
	})
	m.method(x, "encode", func(call goja.FunctionCall) goja.Value {
		return m.newData([]byte(m.stringifyXML(call.Arguments, "XML.encode")))
	})
}

// newXMLNode makes an XML.Node object.
func (m *modEnv) newXMLNode(name string, attrs, children *goja.Object) *goja.Object {
	o := m.rt.CreateObject(m.xmlNodeProto)
	m.must(o.Set("name", name))
	m.must(o.Set("attributes", attrs))
	m.must(o.Set("children", children))
	return o
}

// xmlName is a name as written, with its prefix.
func xmlName(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// parseXML builds the node tree of text as it reads it, or returns null.
func (m *modEnv) parseXML(text string) goja.Value {
	type open struct {
		name     string
		attrs    *goja.Object
		children []any
		text     strings.Builder // the text run not yet added to children
	}
	flush := func(e *open) {
		if s := e.text.String(); strings.TrimSpace(s) != "" {
			e.children = append(e.children, s)
		}
		e.text.Reset()
	}
	d := xml.NewDecoder(strings.NewReader(text))
	d.Strict = true
	d.CharsetReader = func(charset string, r io.Reader) (io.Reader, error) {
		switch strings.ToLower(charset) {
		case "utf-8", "utf8", "us-ascii", "ascii":
			return r, nil
		}
		return nil, fmt.Errorf("unsupported charset %q", charset)
	}
	doc := &open{attrs: m.rt.NewObject()}
	stack := []*open{doc}
	roots := 0
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return goja.Null()
		}
		top := stack[len(stack)-1]
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) == 1 {
				if roots++; roots > 1 {
					return goja.Null()
				}
			}
			flush(top)
			attrs := m.rt.NewObject()
			seen := make(map[string]bool, len(t.Attr))
			for _, a := range t.Attr {
				n := xmlName(a.Name)
				if seen[n] {
					return goja.Null() // a repeated attribute
				}
				seen[n] = true
				m.must(attrs.Set(n, a.Value))
			}
			stack = append(stack, &open{name: xmlName(t.Name), attrs: attrs})
		case xml.EndElement:
			if len(stack) == 1 || top.name != xmlName(t.Name) {
				return goja.Null()
			}
			flush(top)
			stack = stack[:len(stack)-1]
			parent := stack[len(stack)-1]
			parent.children = append(parent.children, m.newXMLNode(top.name, top.attrs, m.rt.NewArray(top.children...)))
		case xml.CharData:
			if len(stack) == 1 {
				if len(bytes.TrimSpace(t)) > 0 {
					return goja.Null() // text outside the root element
				}
				continue
			}
			top.text.Write(t)
		}
	}
	if len(stack) != 1 || roots != 1 {
		return goja.Null()
	}
	return m.newXMLNode("", doc.attrs, m.rt.NewArray(doc.children...))
}

// stringifyXML writes args[0] (a node) with args[1] spaces of indentation.
func (m *modEnv) stringifyXML(args []goja.Value, fn string) string {
	node := m.argObject(args, 0, fn, "node", false)
	space := 0
	if s := argAt(args, 1); !jsNullish(s) {
		space = int(max(0, min(10, s.ToInteger())))
	}
	children := m.xmlChildren(node, fn)
	if o, ok := only(children).(*goja.Object); ok && isXMLElement(o) {
		node = o // a document and its root element
	} else if nameOf(node) == "" {
		var elems []*goja.Object
		for _, c := range children {
			if o, ok := c.(*goja.Object); ok && isXMLElement(o) {
				elems = append(elems, o)
			} else if !jsNullish(c) && strings.TrimSpace(c.String()) != "" {
				return "" // text in a document, as Pipy
			}
		}
		if len(elems) != 1 {
			return "" // no root element or several, as Pipy
		}
		node = elems[0]
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>`)
	if space > 0 {
		b.WriteByte('\n')
	}
	m.writeXMLElement(&b, node, space, 0, fn)
	return b.String()
}

// only returns the one value of vs, or nil when it has another number.
func only(vs []goja.Value) goja.Value {
	if len(vs) != 1 {
		return nil
	}
	return vs[0]
}

// isXMLElement reports whether o looks like an element node.
func isXMLElement(o *goja.Object) bool {
	return goja.IsString(o.Get("name"))
}

// nameOf returns the name of a node, "" when it has none.
func nameOf(o *goja.Object) string {
	if v := o.Get("name"); goja.IsString(v) {
		return v.String()
	}
	return ""
}

// xmlChildren returns the children of node (nullish: none).
func (m *modEnv) xmlChildren(node *goja.Object, fn string) []goja.Value {
	c := node.Get("children")
	if jsNullish(c) {
		return nil
	}
	o, ok := c.(*goja.Object)
	if !ok || o.ClassName() != "Array" {
		m.typeError("%s: children must be an array", fn)
	}
	var out []goja.Value
	m.rt.ForOf(o, func(v goja.Value) bool {
		out = append(out, v)
		return true
	})
	return out
}

// validXMLName reports whether s can be written as an element or attribute
// name without breaking the markup.
func validXMLName(s string) bool {
	return s != "" && !strings.ContainsAny(s, " \t\r\n<>&\"'=/?!") && !strings.HasPrefix(s, "-")
}

// writeXMLElement writes node, indented for level, and its children.
func (m *modEnv) writeXMLElement(b *strings.Builder, node *goja.Object, space, level int, fn string) {
	if level >= maxXMLDepth {
		m.typeError("%s: nodes nested deeper than %d (does a node contain itself?)", fn, maxXMLDepth)
	}
	name := nameOf(node)
	if !validXMLName(name) {
		m.typeError("%s: invalid element name %q", fn, name)
	}
	pad := strings.Repeat(" ", space*level)
	b.WriteString(pad)
	b.WriteByte('<')
	b.WriteString(name)
	if a, ok := node.Get("attributes").(*goja.Object); ok {
		for _, k := range a.Keys() {
			if !validXMLName(k) {
				m.typeError("%s: invalid attribute name %q", fn, k)
			}
			b.WriteByte(' ')
			b.WriteString(k)
			b.WriteString(`="`)
			escapeXML(b, a.Get(k).String(), true)
			b.WriteByte('"')
		}
	}
	var children []goja.Value
	for _, c := range m.xmlChildren(node, fn) {
		if !jsNullish(c) {
			children = append(children, c)
		}
	}
	switch {
	case len(children) == 0:
		b.WriteString("/>")
	case len(children) == 1 && !isElemValue(children[0]):
		b.WriteByte('>')
		escapeXML(b, children[0].String(), false)
		b.WriteString("</" + name + ">")
	default:
		b.WriteByte('>')
		if space > 0 {
			b.WriteByte('\n')
		}
		for _, c := range children {
			if isElemValue(c) {
				m.writeXMLElement(b, c.(*goja.Object), space, level+1, fn)
				continue
			}
			b.WriteString(strings.Repeat(" ", space*(level+1)))
			escapeXML(b, c.String(), false)
			if space > 0 {
				b.WriteByte('\n')
			}
		}
		b.WriteString(pad)
		b.WriteString("</" + name + ">")
	}
	if space > 0 {
		b.WriteByte('\n')
	}
}

// isElemValue reports whether a child is an element (not text).
func isElemValue(v goja.Value) bool {
	o, ok := v.(*goja.Object)
	return ok && isXMLElement(o)
}

// escapeXML writes s with the characters that markup would misread escaped;
// in attribute values also quotes and the white space that attribute-value
// normalization would change.
func escapeXML(b *strings.Builder, s string, attr bool) {
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case attr && r == '"':
			b.WriteString("&quot;")
		case attr && (r == '\n' || r == '\r' || r == '\t'):
			fmt.Fprintf(b, "&#%d;", r)
		case r == '\r':
			b.WriteString("&#13;")
		default:
			b.WriteRune(r)
		}
	}
}
