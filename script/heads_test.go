package script_test

import (
	"encoding/binary"
	"strconv"
	"strings"
	"testing"

	"github.com/sluice-go/sluice/codec/dubbo"
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline/pipelinetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Pipy's echo server: decodeHttpRequest → encodeHttpResponse answers each
// request with a 200 carrying the request's body.
func TestPipyEchoServer(t *testing.T) {
	m := load(t, `
pipy()
.listen(8080)
  .decodeHttpRequest()
  .encodeHttpResponse()
`)
	h := pipelinetest.New(t, m.Pipelines[0])
	h.InputString("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
	assert.Equal(t, "HTTP/1.1 200 OK\r\nhost: x\r\ncontent-length: 5\r\n\r\nhello", h.OutputString())
}

// Pipy: a request head given to encodeHttpResponse is a 200 with the
// request's headers, framing fields left out.
func TestPipyEncodeResponseAcceptsRequestHead(t *testing.T) {
	m := load(t, `
pipy()
.pipeline('p')
  .replaceMessage(msg => new Message({ method: 'POST', path: '/x', headers: { 'x-a': 1, 'content-length': 99, connection: 'keep-alive' } }, 'abc'))
  .encodeHttpResponse()
`)
	h := pipelinetest.New(t, find(t, m, "p"))
	h.InputMessage(nil, "")
	assert.Equal(t, "HTTP/1.1 200 OK\r\nx-a: 1\r\ncontent-length: 3\r\n\r\nabc", h.OutputString())
}

// Pipy: the head given to an encoder replaces the message's head.
func TestPipyEncoderHeadArgumentReplaces(t *testing.T) {
	m := load(t, `
pipy({ _n: 0 })
.pipeline('static')
  .decodeHttpRequest()
  .encodeHttpResponse({ status: 201, headers: { 'x-b': '2' } })
.pipeline('func')
  .decodeHttpRequest()
  .encodeHttpResponse(() => ({ status: 202 + _n++ }))
`)
	req := "GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n\r\n"
	h := pipelinetest.New(t, find(t, m, "static"))
	h.InputString(req + req)
	one := "HTTP/1.1 201 Created\r\nx-b: 2\r\ncontent-length: 0\r\n\r\n"
	assert.Equal(t, one+one, h.OutputString())
	h = pipelinetest.New(t, find(t, m, "func"))
	h.InputString(req + req)
	assert.Equal(t, "HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\nHTTP/1.1 203 Non-Authoritative Information\r\ncontent-length: 0\r\n\r\n", h.OutputString())
}

// Pipy: encoders keep message boundaries, so onMessage and replaceMessage
// after an encoder see one whole message per request, its body the bytes.
func TestPipyEncoderKeepsMessageBoundaries(t *testing.T) {
	m := load(t, `
pipy({ _seen: [] })
.pipeline('p')
  .decodeHttpRequest()
  .encodeHttpResponse()
  .onMessage(msg => _seen.push(msg.head.status + ':' + msg.body.size))
  .replaceMessage(msg => new Message(_seen.join(',') + '|'))
`)
	h := pipelinetest.New(t, find(t, m, "p"))
	h.InputString("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhiGET / HTTP/1.1\r\nHost: x\r\n\r\n")
	// The first response is 200 + "host: x" + content-length 2: 47 bytes.
	first := len("HTTP/1.1 200 OK\r\nhost: x\r\ncontent-length: 2\r\n\r\nhi")
	second := len("HTTP/1.1 200 OK\r\nhost: x\r\ncontent-length: 0\r\n\r\n")
	msgs := h.Messages()
	require.Len(t, msgs, 2)
	assert.Equal(t, "200:"+strconv.Itoa(first)+"|", msgs[0].Body.String())
	assert.Equal(t, "200:"+strconv.Itoa(first)+",200:"+strconv.Itoa(second)+"|", msgs[1].Body.String())
}

// Pipy: decoders take content-length, transfer-encoding, connection and
// keep-alive out of the headers scripts see.
func TestPipyDecoderStripsFramingHeaders(t *testing.T) {
	m := load(t, `
pipy({ _keys: '' })
.pipeline('p')
  .decodeHttpRequest()
  .onMessageStart(e => { _keys = Object.keys(e.head.headers).join(',') })
  .replaceMessage(msg => new Message(_keys))
`)
	h := pipelinetest.New(t, find(t, m, "p"))
	h.InputString("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nX-A: 1\r\n\r\nhi" +
		"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
	msgs := h.Messages()
	require.Len(t, msgs, 2)
	assert.Equal(t, "host,x-a", msgs[0].Body.String())
	assert.Equal(t, "host", msgs[1].Body.String())
}

// Pipy: a head is a writable object: a property a script adds is kept on
// the event and seen by later filters; spreading, Object.keys and delete
// work.
func TestPipyHeadIsWritable(t *testing.T) {
	m := load(t, `
pipy({ _out: '' })
.pipeline('p')
  .decodeHttpRequest()
  .onMessageStart(e => { e.head.custom = 1; e.head.tag = { a: 'b' }; e.head.gone = true })
  .onMessageStart(e => {
    delete e.head.gone
    const copy = { ...e.head }
    _out = [e.head.custom, e.head.tag.a, Object.keys(e.head).join(','), copy.custom, copy.method, 'gone' in e.head, copy.headers.host].join(' ')
  })
  .replaceMessage(msg => new Message(_out + ' ' + msg.head.custom))
`)
	h := pipelinetest.New(t, find(t, m, "p"))
	h.InputString("GET /p HTTP/1.1\r\nHost: x\r\n\r\n")
	msgs := h.Messages()
	require.Len(t, msgs, 1)
	assert.Equal(t, "1 b method,path,protocol,headers,custom,tag 1 GET false x 1", msgs[0].Body.String())
}

// Deleting an own field of a head resets it, and the encoder then uses its
// default.
func TestPipyHeadDeleteOwnField(t *testing.T) {
	m := load(t, `
pipy()
.pipeline('p')
  .decodeHttpResponse()
  .onMessageStart(e => { delete e.head.status; delete e.head.statusText; e.head.headers['x-n'] = 2 })
  .encodeHttpResponse()
`)
	h := pipelinetest.New(t, find(t, m, "p"))
	h.InputString("HTTP/1.1 404 Not Found\r\nContent-Length: 1\r\n\r\nx")
	assert.Equal(t, "HTTP/1.1 200 OK\r\nx-n: 2\r\ncontent-length: 1\r\n\r\nx", h.OutputString())
}

// dubboFrame writes one Dubbo frame.
func dubboFrame(t *testing.T, h dubbo.Head, body string) *event.Data {
	out := event.NewData()
	require.NoError(t, dubbo.AppendFrame(out, &h, event.FromString(body)))
	return out
}

// Pipy: a Dubbo head's id is a string in JS (64-bit ids do not fit a JS
// number); writing a string or a number back works.
func TestPipyDubboIDIsString(t *testing.T) {
	m := load(t, `
pipy({ _seen: '' })
.pipeline('p')
  .decodeDubbo()
  .onMessageStart(e => { _seen = typeof e.head.id + ':' + e.head.id })
  .replaceMessageStart(e => {
    if (e.head.id === '9223372036854775807') e.head.id = '9223372036854775806'
    else e.head.id = 42
    e.head.isRequest = false
    return e
  })
  .replaceMessageBody(() => _seen)
  .encodeDubbo()
`)
	h := pipelinetest.New(t, find(t, m, "p"))
	h.Input(dubboFrame(t, dubbo.Head{ID: 1<<63 - 1, IsRequest: true, IsTwoWay: true, Serialization: 2}, "x"))
	h.Input(dubboFrame(t, dubbo.Head{ID: 7, IsRequest: true, IsTwoWay: true, Serialization: 2}, "y"))
	out := []byte(h.OutputString())
	require.Len(t, out, 2*16+len("string:9223372036854775807")+len("string:7"))
	assert.Equal(t, uint64(1<<63-2), binary.BigEndian.Uint64(out[4:12]))
	assert.Equal(t, "string:9223372036854775807", string(out[16:16+26]))
	second := out[16+26:]
	assert.Equal(t, uint64(42), binary.BigEndian.Uint64(second[4:12]))
	assert.Equal(t, "string:7", string(second[16:]))
}

// Pipy: heads pass between codecs: an HTTP request becomes a Dubbo request
// (a two-way request with a fresh id), and the Dubbo message becomes an HTTP
// response again (a 200).
func TestPipyHTTPDubboHTTPChain(t *testing.T) {
	m := load(t, `
pipy({ _dubbo: '' })
.pipeline('p')
  .decodeHttpRequest()
  .encodeDubbo()
  .decodeDubbo()
  .onMessageStart(e => { _dubbo = [e.head.id, e.head.isRequest, e.head.isTwoWay].join(' ') })
  .replaceMessageBody(b => b.toString() + ' via ' + _dubbo)
  .encodeHttpResponse()
`)
	h := pipelinetest.New(t, find(t, m, "p"))
	h.InputString("POST /svc HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\ncall")
	body := "call via 1 true true"
	assert.Equal(t, "HTTP/1.1 200 OK\r\ncontent-length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body, h.OutputString())
}

// Header fields set by scripts are checked when encoded: CR, LF or NUL
// fail the stream with a runtime error naming the field; no byte of the head
// goes out, a 500 naming the field answers the request in its place.
func TestEncoderRejectsCRLFInHeader(t *testing.T) {
	m := load(t, `
pipy()
.pipeline('p')
  .decodeHttpRequest()
  .onMessageStart(e => { e.head.headers['x-evil'] = 'a\r\nset-cookie: b' })
  .encodeHttpResponse()
`)
	h := pipelinetest.New(t, find(t, m, "p"))
	h.InputString("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	se := h.SessionEnd()
	require.NotNil(t, se)
	assert.Equal(t, event.RuntimeError, se.Err)
	assert.Contains(t, se.Message, "x-evil")
	out := h.OutputString()
	assert.True(t, strings.HasPrefix(out, "HTTP/1.1 500 "), out)
	assert.NotContains(t, out, "\r\nset-cookie")
}

// Pipy: a head spread into a plain object is a head too: encoders read it
// by name.
func TestPipySpreadHeadEncodes(t *testing.T) {
	m := load(t, `
pipy()
.pipeline('p')
  .decodeHttpRequest()
  .replaceMessage(msg => new Message({ ...msg.head, status: 201, extra: 'x' }, 'made'))
  .encodeHttpResponse()
.pipeline('d')
  .decodeDubbo()
  .replaceMessage(msg => new Message({ ...msg.head, isRequest: false }, 'r'))
  .encodeDubbo()
`)
	h := pipelinetest.New(t, find(t, m, "p"))
	h.InputString("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	assert.Equal(t, "HTTP/1.1 201 Created\r\nhost: x\r\ncontent-length: 4\r\n\r\nmade", h.OutputString())

	h = pipelinetest.New(t, find(t, m, "d"))
	h.Input(dubboFrame(t, dubbo.Head{ID: 1<<62 + 1, IsRequest: true, IsTwoWay: true, Serialization: 2}, "q"))
	out := []byte(h.OutputString())
	require.Len(t, out, 17)
	assert.Equal(t, uint64(1<<62+1), binary.BigEndian.Uint64(out[4:12]), "the string id survives the spread")
	assert.Equal(t, byte(0x42), out[2], "a two-way response")
}

// Pipy: mux after an encoder gets whole messages (the encoded requests), and
// a decoder in the shared stream reads their bytes.
func TestPipyMuxAfterEncoder(t *testing.T) {
	m := load(t, `
pipy()
.pipeline('p')
  .encodeHttpRequest()
  .mux('shared')
.pipeline('shared')
  .decodeHttpRequest()
  .replaceMessage(msg => new Message(msg.head.method + ' ' + msg.head.path + ' ' + msg.body.toString()))
`)
	h := pipelinetest.New(t, find(t, m, "p"))
	h.InputMessage(map[string]any{"path": "/a", "headers": map[string]any{"host": "x"}}, "")
	h.InputMessage(map[string]any{"method": "POST", "path": "/b", "headers": map[string]any{"host": "x"}}, "body")
	msgs := h.Messages()
	require.Len(t, msgs, 2)
	assert.Equal(t, "GET /a ", msgs[0].Body.String())
	assert.Equal(t, "POST /b body", msgs[1].Body.String())
}
