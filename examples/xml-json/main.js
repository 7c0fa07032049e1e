// xml-json: converts request bodies between XML and JSON.
//
//   POST /xml2json  an XML document → its JSON form
//   POST /json2xml  a JSON object with one key, the root element → XML
//
// The JSON form of an element is an object: its attributes under "@name",
// its child elements under their names (an array when a name repeats), its
// text under "#text"; an element with only text is just the text, and an
// empty one is "". Written, like every Pipy 0.x script, with expressions
// only.
//
//   go run ./cmd/sluice examples/xml-json/main.js
//   curl -d '<a x="1"><b>hi</b></a>' http://127.0.0.1:8022/xml2json
pipy({
  // The JSON form of an element node.
  _toJSON: node => (
    (obj, texts, elements) => (
      Object.keys(node.attributes || {}).forEach(k => obj['@' + k] = node.attributes[k]),
      node.children.forEach(c => typeof c === 'string' ? texts.push(c) : elements.push(c)),
      elements.forEach(
        c => (
          v => c.name in obj ? (
            (obj[c.name] instanceof Array) || (obj[c.name] = [obj[c.name]]),
            obj[c.name].push(v)
          ) : (
            obj[c.name] = v
          )
        )(_toJSON(c))
      ),
      elements.length === 0 && Object.keys(obj).length === 0 ? texts.join('') : (
        texts.length > 0 && (obj['#text'] = texts.join('')),
        obj
      )
    )
  )({}, [], []),

  // The element nodes named name for a JSON value (several for an array).
  _toXML: (name, value) => (
    value instanceof Array ? value.flatMap(v => _toXML(name, v)) :
    value === null ? [new XML.Node(name, {}, [])] :
    typeof value !== 'object' ? [new XML.Node(name, {}, ['' + value])] :
    ((attrs, children) => (
      Object.keys(value).forEach(
        k => k.startsWith('@') ? (attrs[k.substring(1)] = '' + value[k]) :
             k === '#text' ? children.push('' + value[k]) :
             _toXML(k, value[k]).forEach(n => children.push(n))
      ),
      [new XML.Node(name, attrs, children)]
    ))({}, [])
  ),

  _doc: null,
  _obj: null,
})

.listen(8022)
  .decodeHttpRequest()
  .replaceMessage(
    msg => (
      msg.head.path === '/xml2json' ? (
        _doc = XML.decode(msg.body),
        _doc ? new Message(
          { headers: { 'content-type': 'application/json' } },
          JSON.stringify(
            Object.fromEntries([[_doc.children[0].name, _toJSON(_doc.children[0])]])
          )
        ) : new Message({ status: 400 }, 'not XML\n')
      ) :
      msg.head.path === '/json2xml' ? (
        _obj = JSON.decode(msg.body),
        _obj && typeof _obj === 'object' && Object.keys(_obj).length === 1 ? new Message(
          { headers: { 'content-type': 'application/xml' } },
          XML.encode(
            new XML.Node('', {}, _toXML(Object.keys(_obj)[0], Object.values(_obj)[0]))
          )
        ) : new Message({ status: 400 }, 'one root element expected\n')
      ) :
      new Message({ status: 404 }, 'POST /xml2json or /json2xml\n')
    )
  )
  .encodeHttpResponse()
