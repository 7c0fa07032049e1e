// Tests for the examples written as Pipy 0.x scripts (expressions only, as
// Pipy's PJS requires), which run unchanged on Pipy: each asserts what Pipy
// 0.x does with the same script and the same client.
package examples_test

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// post sends a POST of body to url and returns the response and its body.
func post(t *testing.T, c *http.Client, url, body string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	require.NoError(t, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(b)
}

// TestHTTPEcho: the request comes back as a 200 with the request's body and
// headers.
func TestHTTPEcho(t *testing.T) {
	leakCheck(t)
	p := start(t, "http-echo", nil)
	c := httpClient(t, nil)
	for _, body := range []string{"hello", "a second request on the same connection"} {
		resp, got := post(t, c, p.url("/echo"), body, "X-Test", "yes")
		assert.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, body, got)
		assert.Equal(t, "yes", resp.Header.Get("X-Test"))
	}
	resp, got := get(t, c, p.url("/"), "X-Test", "get")
	assert.Equal(t, 200, resp.StatusCode)
	assert.Empty(t, got)
	assert.Equal(t, "get", resp.Header.Get("X-Test"))
}

// dubboFrame is a Dubbo message: its 16-byte header and its body.
type dubboFrame struct {
	flags, status byte
	id            uint64
	body          []byte
}

func (f dubboFrame) bytes() []byte {
	b := []byte{0xda, 0xbb, f.flags, f.status}
	b = binary.BigEndian.AppendUint64(b, f.id)
	b = binary.BigEndian.AppendUint32(b, uint32(len(f.body)))
	return append(b, f.body...)
}

func readDubbo(t *testing.T, r io.Reader) dubboFrame {
	t.Helper()
	var h [16]byte
	_, err := io.ReadFull(r, h[:])
	require.NoError(t, err)
	require.Equal(t, []byte{0xda, 0xbb}, h[:2], "Dubbo magic")
	f := dubboFrame{flags: h[2], status: h[3], id: binary.BigEndian.Uint64(h[4:12])}
	f.body = make([]byte, binary.BigEndian.Uint32(h[12:16]))
	_, err = io.ReadFull(r, f.body)
	require.NoError(t, err)
	return f
}

// TestDubboBridge: the Dubbo service of the script answers a Dubbo client
// under the call's id; HTTP requests become Dubbo calls to it, numbered per
// connection, and its answers HTTP responses.
func TestDubboBridge(t *testing.T) {
	leakCheck(t)
	port := freePort(t)
	t.Setenv("DUBBO_PORT", port)
	p := startWith(t, "dubbo-bridge", startOptions{keep: []string{port}})
	t.Run("Dubbo client", func(t *testing.T) {
		conn := dial(t, "127.0.0.1:"+port)
		r := bufio.NewReader(conn)
		for _, id := range []uint64{7, 1 << 40} {
			req := dubboFrame{flags: 0xc2, id: id, body: []byte("dubbo")}
			_, err := conn.Write(req.bytes())
			require.NoError(t, err)
			got := readDubbo(t, r)
			// A response (no 0x80), serialization 2, not two-way, not an event.
			assert.Equal(t, byte(0x02), got.flags)
			assert.Equal(t, byte(20), got.status)
			assert.Equal(t, id, got.id)
			assert.Equal(t, "Hello, dubbo", string(got.body))
		}
	})

	c := httpClient(t, nil)
	for i, name := range []string{"world", "again"} {
		resp, body := post(t, c, p.url("/"), name)
		assert.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, "Hello, "+name, body)
		assert.Equal(t, "text/plain", resp.Header.Get("Content-Type"))
		assert.Equal(t, fmt.Sprint(i+1), resp.Header.Get("X-Dubbo-Id"))
		assert.Equal(t, "20", resp.Header.Get("X-Dubbo-Status"))
	}
}

// TestXMLJSON: XML bodies become JSON and back.
func TestXMLJSON(t *testing.T) {
	leakCheck(t)
	p := start(t, "xml-json", nil)
	c := httpClient(t, nil)

	xmlDoc := `<?xml version="1.0"?>
<order id="42" status="new">
  <item sku="a1">apple</item>
  <item sku="b2">banana</item>
  <note>ripe &amp; fresh</note>
  <empty/>
</order>`
	resp, body := post(t, c, p.url("/xml2json"), xmlDoc)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	assert.JSONEq(t, `{"order": {
		"@id": "42", "@status": "new",
		"item": [{"@sku": "a1", "#text": "apple"}, {"@sku": "b2", "#text": "banana"}],
		"note": "ripe & fresh",
		"empty": ""
	}}`, body)

	resp, body = post(t, c, p.url("/xml2json"), "<open><unclosed></open>")
	assert.Equal(t, 400, resp.StatusCode)
	assert.Equal(t, "not XML\n", body)

	// One key besides the attributes on each level: Pipy writes an object's
	// keys in an order of its own, sluice in the order JavaScript gives.
	jsonDoc := `{"order": {"@id": 42, "item": [{"@n": 1, "#text": "apple"}, "banana & cherry", null]}}`
	// Pipy writes text and attribute values as they are ("banana & cherry"),
	// which is not XML; sluice escapes them.
	resp, body = post(t, c, p.url("/json2xml"), jsonDoc)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "application/xml", resp.Header.Get("Content-Type"))
	assert.Equal(t, `<?xml version="1.0" encoding="UTF-8"?>`+
		`<order id="42"><item n="1">apple</item><item>banana &amp; cherry</item><item/></order>`, body)

	// And back: the XML written is read as the same document.
	resp, body = post(t, c, p.url("/xml2json"), body)
	assert.Equal(t, 200, resp.StatusCode)
	assert.JSONEq(t, `{"order": {"@id": "42", "item": [{"@n": "1", "#text": "apple"}, "banana & cherry", ""]}}`, body)

	for _, doc := range []string{`{"a": 1, "b": 2}`, `"text"`} {
		resp, body = post(t, c, p.url("/json2xml"), doc)
		assert.Equal(t, 400, resp.StatusCode, doc)
		assert.Equal(t, "one root element expected\n", body, doc)
	}
	t.Run("not JSON", func(t *testing.T) {
		resp, body := post(t, c, p.url("/json2xml"), `{"a": `)
		assert.Equal(t, 400, resp.StatusCode)
		assert.Equal(t, "one root element expected\n", body)
	})

	resp, _ = post(t, c, p.url("/other"), "")
	assert.Equal(t, 404, resp.StatusCode)
}

// TestHessianJSON: JSON arrays become Hessian values one after another, and
// back.
func TestHessianJSON(t *testing.T) {
	leakCheck(t)
	p := start(t, "hessian-json", nil)
	c := httpClient(t, nil)

	// Hessian 2.0 written by hand, in forms Pipy reads: "sayHello", 42, true,
	// null, a map {"a": [1, "x"]}, a long 5000000000, -1, 262143, 3.5.
	hessian := "\x08sayHello" + "\xba" + "T" + "N" +
		"H\x01a" + "W\x91\x01xZ" + "Z" +
		"L\x00\x00\x00\x01\x2a\x05\xf2\x00" + "\x8f" + "\xd7\xff\xff" +
		"D\x40\x0c\x00\x00\x00\x00\x00\x00"
	resp, body := post(t, c, p.url("/hessian2json"), hessian)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	assert.JSONEq(t, `["sayHello", 42, true, null, {"a": [1, "x"]}, 5000000000, -1, 262143, 3.5]`, body)

	// What Pipy writes for a JSON array (ints always in 4 bytes, lists and
	// maps open-ended) reads back as the array.
	pipyHessian := "\x04textD@\x0c\x00\x00\x00\x00\x00\x00I\xff\xff\xff\xf9" +
		"H\x01nN\x04listWI\x00\x00\x00\x01I\x00\x00\x00\x02H\x04deep\x03yesZZZ" + "WZ" + "HZ"
	doc := `["text", 3.5, -7, {"list": [1, 2, {"deep": "yes"}], "n": null}, [], {}]`
	resp, body = post(t, c, p.url("/hessian2json"), pipyHessian)
	assert.Equal(t, 200, resp.StatusCode)
	assert.JSONEq(t, doc, body)

	// Pipy counts a string's length in code points and writes characters
	// beyond 16 bits in 4 bytes of UTF-8 (Java: two 3-byte surrogates).
	resp, body = post(t, c, p.url("/hessian2json"), "\x09h\xc3\xa9llo \xe2\x98\x83 \xf0\x9f\x98\x80"+"\x91")
	assert.Equal(t, 200, resp.StatusCode)
	assert.JSONEq(t, `["héllo ☃ 😀", 1]`, body)

	// Whatever JSON goes in comes back (sluice writes the compact forms).
	resp, encoded := post(t, c, p.url("/json2hessian"), doc)
	require.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "application/x-hessian", resp.Header.Get("Content-Type"))
	resp, body = post(t, c, p.url("/hessian2json"), encoded)
	assert.Equal(t, 200, resp.StatusCode)
	assert.JSONEq(t, doc, body)

	// Hessian.decode throws on what is not Hessian, which fails the
	// stream: the client gets a 500 naming the error and a close (Pipy
	// closes without an answer).
	answer := exchange(t, p.addr, "POST /hessian2json HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nQ")
	assert.True(t, strings.HasPrefix(answer, "HTTP/1.1 500 "), answer)
	assert.Contains(t, answer, "Hessian.decode")
	assert.Contains(t, answer, "Connection: close")

	resp, body = post(t, c, p.url("/json2hessian"), `{"not": "an array"}`)
	assert.Equal(t, 400, resp.StatusCode)
	assert.Equal(t, "a JSON array expected\n", body)
	t.Run("not JSON", func(t *testing.T) {
		resp, body := post(t, c, p.url("/json2hessian"), `["x"`)
		assert.Equal(t, 400, resp.StatusCode)
		assert.Equal(t, "a JSON array expected\n", body)
	})
}

// TestLogCollector: requests are answered; each leaves a record with the
// collector of the same script, posted through mux.
func TestLogCollector(t *testing.T) {
	leakCheck(t)
	port := freePort(t)
	t.Setenv("COLLECTOR_PORT", port)
	logs := make(chan string, 100)
	p := startWith(t, "log-collector", startOptions{keep: []string{port}, logs: logs})
	c := httpClient(t, nil)
	paths := []string{"/hello", "/a/b?c=d", "/last"}
	for _, path := range paths {
		resp, body := get(t, c, p.url(path))
		assert.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, "Hello, "+path+"\n", body)
	}
	resp, body := post(t, c, p.url("/posted"), "data")
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "Hello, /posted\n", body)

	// The records travel after the answers: the collector logs each.
	deadline := time.After(ioTimeout)
	for collected := 0; collected < 4; {
		select {
		case msg := <-logs:
			if strings.HasPrefix(msg, "collected ") {
				collected++
			}
		case <-deadline:
			t.Fatalf("the collector got %d records of 4", collected)
		}
	}
	type record struct{ Method, Path string }
	var got []record
	resp, body = get(t, c, "http://127.0.0.1:"+port+"/records")
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	require.NoError(t, json.Unmarshal([]byte(body), &got), body)
	assert.Equal(t, []record{{"GET", "/hello"}, {"GET", "/a/b?c=d"}, {"GET", "/last"}, {"POST", "/posted"}}, got)
}

// TestRewriteProxy: the module used both ways rewrites the headers, with the
// rules from use()'s function, on every request of a connection.
func TestRewriteProxy(t *testing.T) {
	leakCheck(t)
	type seen struct{ xff, token, other string }
	seenc := make(chan seen, 4)
	up := httpUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		seenc <- seen{r.Header.Get("X-Forwarded-For"), r.Header.Get("X-Internal-Token"), r.Header.Get("X-Other")}
		w.Header().Set("Server", "upstream/1.0")
		w.Header().Set("X-Upstream", "yes")
		fmt.Fprintf(w, "upstream %s", r.URL.Path)
	})
	t.Setenv("UPSTREAM", hostOf(up))
	p := start(t, "rewrite-proxy", nil)
	c := httpClient(t, nil)
	for _, path := range []string{"/first", "/second"} {
		resp, body := get(t, c, p.url(path), "X-Internal-Token", "secret", "X-Other", "kept")
		assert.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, "upstream "+path, body)
		assert.Equal(t, "rewrite-proxy", resp.Header.Get("X-Proxy"))
		assert.Equal(t, "yes", resp.Header.Get("X-Upstream"))
		_, hasServer := resp.Header["Server"]
		assert.False(t, hasServer, "Server removed")
		s := <-seenc
		assert.Equal(t, seen{xff: "127.0.0.1", other: "kept"}, s, path)
	}
}
