package script

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestJSXMLParse(t *testing.T) {
	h := newFakeHost(t, t.TempDir())
	h.run(t, `var doc = XML.parse('<?xml version="1.0" encoding="UTF-8"?>\n<!-- c --><soap:Envelope xmlns:soap="urn:s">\n  <soap:Body id="1" lang="en">\n    <a>x &amp; y<![CDATA[ <z> ]]>!</a>\n    <b/>\n    text\n  </soap:Body>\n</soap:Envelope>\n')`)
	assert.Equal(t, `"" 1 soap:Envelope urn:s`, h.runString(t,
		`[JSON.stringify(doc.name), doc.children.length, doc.children[0].name, doc.children[0].attributes['xmlns:soap']].join(' ')`))
	h.run(t, `var body = doc.children[0].children[0]`)
	assert.Equal(t, `soap:Body {"id":"1","lang":"en"} 3`, h.runString(t, `[body.name, JSON.stringify(body.attributes), body.children.length].join(' ')`))
	assert.Equal(t, `["x & y <z> !"]`, h.runString(t, `JSON.stringify(body.children[0].children)`))
	assert.Equal(t, `{"name":"b","attributes":{},"children":[]}`, h.runString(t, `JSON.stringify(body.children[1])`))
	assert.Equal(t, "text", h.runString(t, `body.children[2].trim()`))
	assert.True(t, h.run(t, `body instanceof XML.Node && doc instanceof XML.Node`).ToBoolean())

	assert.Equal(t, "ok", h.runString(t, `XML.decode(__data('<r>ok</r>')).children[0].children[0]`))
	for _, bad := range []string{"", "text", "<a>", "<a></b>", "<a/><b/>", "<a/>junk", "<a>&unknown;</a>", "<a x='1' x='2'/>",
		`<?xml version="1.0" encoding="EBCDIC"?><a/>`, "</a>"} {
		assert.True(t, h.run(t, `XML.parse(`+quoteJS(bad)+`) === null`).ToBoolean(), bad)
	}
	h.throws(t, `XML.parse(1)`, "TypeError", "XML.parse: text must be a string")
	h.throws(t, `XML.decode(1)`, "TypeError", "XML.decode: data must be")
}

func TestJSXMLStringify(t *testing.T) {
	h := newFakeHost(t, t.TempDir())
	const head = `<?xml version="1.0" encoding="UTF-8"?>`
	src := `<root a="1"><item k="v &amp; &quot;q&quot;">one &lt; two</item><empty/><mixed>t<b>bold</b></mixed></root>`
	assert.Equal(t, head+src, h.runString(t, `XML.stringify(XML.parse(`+quoteJS(src)+`))`))
	assert.Equal(t, head+"\n"+strings.Join([]string{
		`<root a="1">`,
		`  <item k="v &amp; &quot;q&quot;">one &lt; two</item>`,
		`  <empty/>`,
		`  <mixed>`,
		`    t`,
		`    <b>bold</b>`,
		`  </mixed>`,
		`</root>`, ``}, "\n"), h.runString(t, `XML.stringify(XML.parse(`+quoteJS(src)+`), 2)`))
	assert.Equal(t, head+`<x y="&#10;"><z>1</z>2</x>`, h.runString(t,
		`XML.encode(new XML.Node('x', { y: '\n' }, [new XML.Node('z', null, [1]), 2, null])).toString()`))
	assert.Equal(t, head+`<p/>`, h.runString(t, `XML.stringify({ name: 'p' })`))
	// Round trip.
	assert.Equal(t, h.runString(t, `XML.stringify(XML.parse(`+quoteJS(src)+`))`),
		h.runString(t, `XML.stringify(XML.parse(XML.stringify(XML.parse(`+quoteJS(src)+`))))`))

	// As in Pipy: any node whose only child is an element is a document, and
	// a document without exactly one element is written as "".
	assert.Equal(t, head+`<only/>`, h.runString(t, `XML.stringify(new XML.Node('r', null, [new XML.Node('only')]))`))
	assert.Equal(t, head+`<r>text</r>`, h.runString(t, `XML.stringify(new XML.Node('r', null, ['text']))`))
	for _, doc := range []string{`new XML.Node('', {}, [])`, `new XML.Node('', {}, ['text'])`,
		`new XML.Node('', {}, [new XML.Node('a'), new XML.Node('b')])`, `new XML.Node('', {}, ['text', new XML.Node('a')])`} {
		assert.Equal(t, "", h.runString(t, `XML.stringify(`+doc+`)`), doc)
		assert.Equal(t, "0", h.runString(t, `String(XML.encode(`+doc+`).size)`), doc)
	}
	assert.Equal(t, head+`<a/>`, h.runString(t, `XML.stringify(new XML.Node('', {}, ['  ', new XML.Node('a')]))`))
	h.throws(t, `XML.stringify(new XML.Node('bad name'))`, "TypeError", `invalid element name "bad name"`)
	h.throws(t, `XML.stringify(new XML.Node('a', { 'x y': 1 }))`, "TypeError", "invalid attribute name")
	h.throws(t, `XML.stringify({ name: 'a', children: 'kids' })`, "TypeError", "XML.stringify: children must be an array")
	h.throws(t, `new XML.Node('a', {}, 'kids')`, "TypeError", "XML.Node: children must be an array")
	h.throws(t, `var n = new XML.Node('a'); n.children.push(n); XML.stringify(n)`, "TypeError", "nested deeper than 1000")
	h.throws(t, `XML.stringify('x')`, "TypeError", "XML.stringify: node must be an object")
	h.throws(t, `new XML.Node(1)`, "TypeError", "XML.Node: name must be a string")
}
